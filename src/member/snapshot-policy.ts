/**
 * When a member snapshots its tree (one policy for every server, alone or in an ensemble):
 * after a random share of snapCount applied entries, between a half and the whole, so the
 * members of an ensemble do not all snapshot at once (as ZooKeeper does), or once the log
 * holds snapshotAtBytes of entries (ZooKeeper's snapSizeLimitInKb); one at a time,
 * written copy-on-write while serving, giving the event loop a turn every few milliseconds.
 * The log is then compacted and purged behind it (durable-log.ts).
 */
import type { Logger } from 'pino';
import type { Index, Membership } from '../consensus/index.js';
import type { DataTree } from '../tree/data-tree.js';
import { beginSnapshot } from '../tree/snapshot-codec.js';
import { assert } from '../util/assert.js';
import { progressQuietUnderMs, raftSnapshotAtHeldBytes } from '../util/limits.js';
import { Progress } from '../util/progress.js';
import type { Runtime } from '../util/runtime.js';
import type { DurableLog } from './durable-log.js';
import { noMemberEvents, type MemberEvents } from './member-events.js';

/** How long the snapshot writer may hold the event loop before yielding a turn. */
const sliceMs = 5;

export class SnapshotPolicy {
  private sinceSnapshot = 0;
  private nextAt: number;
  private running: Promise<Index> | null = null;
  private runningAt: Index | null = null;
  /** Why no snapshot may be taken now, or null (see holdWhile). */
  private hold: () => string | null = () => null;

  /**
   * @param snapshotAtBytes also snapshot once the log holds this many entry bytes (at most
   *   raftSnapshotAtHeldBytes; zoo.cfg's snapSizeLimitInKb lowers it)
   */
  constructor(
    private readonly storage: DurableLog,
    private readonly snapCount: number,
    private readonly runtime: Runtime,
    private readonly logger: Logger,
    private readonly events: MemberEvents = noMemberEvents,
    private readonly snapshotAtBytes: number = raftSnapshotAtHeldBytes,
  ) {
    assert(snapshotAtBytes > 0 && snapshotAtBytes <= raftSnapshotAtHeldBytes, 'snapshotAtBytes');
    this.nextAt = this.randomThreshold();
  }

  private randomThreshold(): number {
    const half = Math.floor(this.snapCount / 2);
    return half + this.runtime.randomInt(Math.max(1, half));
  }

  /**
   * No snapshot while `reason` says why (a restore's chunks held: a snapshot between them and
   * their commit entry would lose them at a restart); the count goes on meanwhile.
   */
  holdWhile(reason: () => string | null): void {
    this.hold = reason;
  }

  /** Why no snapshot may be taken now, or null. */
  held(): string | null {
    return this.hold();
  }

  /** Snapshot at the next applied entries (after a restore: its chunks may then go). */
  soon(): void {
    this.nextAt = 0;
  }

  /** Counts applied entries; snapshots `tree` (applied up to `index`) at the threshold. */
  onApplied(count: number, tree: DataTree, index: Index, membership: Membership): void {
    this.sinceSnapshot += count;
    const due =
      this.sinceSnapshot >= this.nextAt || this.storage.heldEntryBytes >= this.snapshotAtBytes;
    if (!due || this.running !== null) return;
    if (this.hold() !== null) return;
    this.snapshot(tree, index, membership).catch((e: unknown) =>
      this.logger.error({ err: e }, 'snapshot failed; the log still holds every entry'),
    );
  }

  /** The index of the snapshot being written, or null. */
  get runningIndex(): Index | null {
    return this.runningAt;
  }

  /** Snapshots now (or joins the one running); resolves with its index. */
  snapshot(tree: DataTree, index: Index, membership: Membership): Promise<Index> {
    if (this.running !== null) return this.running;
    const held = this.hold();
    if (held !== null) return Promise.reject(new Error(`no snapshot now: ${held}`));
    const image = beginSnapshot(tree);
    this.sinceSnapshot = 0;
    this.runningAt = index;
    const began = this.runtime.now();
    const progress = new Progress({
      label: `snapshot at index ${index}`,
      unit: 'nodes',
      total: tree.nodeCount,
      quietUnderMs: progressQuietUnderMs,
      now: () => this.runtime.now(),
      report: ({ text, percent, leftS }) => this.logger.info({ index, percent, leftS }, text),
    });
    this.running = this.storage
      .saveSnapshot(
        index,
        membership,
        this.paced(image.records, () => progress.set(image.nodesWritten())),
      )
      .then(() => {
        progress.finish();
        const ms = this.runtime.now() - began;
        this.logger.info({ index, zxid: image.zxid, ms }, 'snapshot written');
        this.events.snapshotWritten(ms);
        return index;
      })
      .finally(() => {
        image.abandon();
        this.running = null;
        this.runningAt = null;
        this.nextAt = this.randomThreshold();
      });
    return this.running;
  }

  async settle(): Promise<void> {
    if (this.running !== null) await this.running.catch(() => undefined);
  }

  /** Yields the snapshot records, giving the event loop a turn every few milliseconds. */
  private async *paced(records: Iterable<Buffer>, onRecord: () => void): AsyncGenerator<Buffer> {
    let since = this.runtime.now();
    for (const record of records) {
      yield record;
      onRecord();
      if (this.runtime.now() - since >= sliceMs) {
        await new Promise<void>((resolve) => this.runtime.soon(resolve));
        since = this.runtime.now();
      }
    }
  }
}
