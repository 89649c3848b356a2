/**
 * When an ensemble member snapshots its tree: after a randomised share of snapCount applied
 * entries (so members do not all snapshot at once), one at a time, written copy-on-write
 * while serving. The Raft storage then compacts the log behind it.
 */
import type { Logger } from 'pino';
import type { Index, Membership } from '../consensus/index.js';
import type { DataTree } from '../tree/data-tree.js';
import { beginSnapshot } from '../tree/snapshot-codec.js';
import { paced, snapshotThreshold } from '../server/snapshot-scheduler.js';
import type { DurableLog } from '../member/durable-log.js';

export class EnsembleSnapshots {
  private sinceSnapshot = 0;
  private nextAt: number;
  private running: Promise<Index> | null = null;

  constructor(
    private readonly storage: DurableLog,
    private readonly snapCount: number,
    private readonly logger: Logger,
  ) {
    this.nextAt = this.randomThreshold();
  }

  private randomThreshold(): number {
    return snapshotThreshold(this.snapCount);
  }

  /** Counts applied entries; snapshots `tree` (applied up to `index`) at the threshold. */
  onApplied(count: number, tree: DataTree, index: Index, membership: Membership): void {
    this.sinceSnapshot += count;
    if (this.sinceSnapshot < this.nextAt || this.running !== null) return;
    this.snapshot(tree, index, membership).catch((e: unknown) =>
      this.logger.error({ err: e }, 'snapshot failed; the log still holds every entry'),
    );
  }

  /** Snapshots now (or joins the one running); resolves with its index. */
  snapshot(tree: DataTree, index: Index, membership: Membership): Promise<Index> {
    if (this.running !== null) return this.running;
    const image = beginSnapshot(tree);
    this.sinceSnapshot = 0;
    const began = Date.now();
    this.running = this.storage
      .saveSnapshot(index, membership, paced(image.records))
      .then(() => {
        this.logger.info({ index, zxid: image.zxid, ms: Date.now() - began }, 'snapshot written');
        return index;
      })
      .finally(() => {
        image.abandon();
        this.running = null;
        this.nextAt = this.randomThreshold();
      });
    return this.running;
  }

  async settle(): Promise<void> {
    if (this.running !== null) await this.running.catch(() => undefined);
  }
}
