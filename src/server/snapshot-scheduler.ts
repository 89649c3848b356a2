/**
 * When to snapshot: after a randomised share of snapCount applied txns (like ZooKeeper, so the
 * servers of an ensemble don't all snapshot at once), one snapshot at a time, written while
 * the server keeps serving; old snapshots and log segments are purged after each one.
 */
import type { Logger } from 'pino';
import { purge, snapshotDirectory, writeSnapshot } from '../storage/index.js';
import type { DataTree } from '../tree/data-tree.js';
import { beginSnapshot } from '../tree/snapshot-codec.js';
import type { ServerConfig } from '../config/config.js';

/** Yields the snapshot records, giving the event loop a turn every few milliseconds. */
export async function* paced(records: Iterable<Buffer>): AsyncGenerator<Buffer> {
  let since = Date.now();
  for (const record of records) {
    yield record;
    if (Date.now() - since >= 5) {
      await new Promise((resolve) => setImmediate(resolve));
      since = Date.now();
    }
  }
}

/**
 * Txns (or entries) until the next snapshot: a random share of snapCount between a half and
 * the whole, so the servers of an ensemble do not all snapshot at once.
 */
export function snapshotThreshold(snapCount: number): number {
  const half = Math.floor(snapCount / 2);
  return half + Math.floor(Math.random() * half);
}

export class SnapshotScheduler {
  private sinceSnapshot: number;
  private nextAt: number;
  private running: Promise<number> | null = null;

  constructor(
    private readonly tree: DataTree,
    private readonly config: ServerConfig,
    private readonly logger: Logger,
    replayed: number,
  ) {
    this.sinceSnapshot = replayed;
    this.nextAt = this.randomThreshold();
  }

  private randomThreshold(): number {
    return snapshotThreshold(this.config.snapCount);
  }

  /** Counts one applied txn; starts a snapshot when the threshold is reached. */
  onApplied(): void {
    if (++this.sinceSnapshot < this.nextAt || this.running !== null) return;
    this.snapshot().catch((e: unknown) =>
      this.logger.error({ err: e }, 'snapshot failed; the log still holds every txn'),
    );
  }

  /** Takes a snapshot now (or joins the one running); resolves with its zxid. */
  snapshot(): Promise<number> {
    if (this.running !== null) return this.running;
    const image = beginSnapshot(this.tree);
    this.sinceSnapshot = 0;
    const began = Date.now();
    const dir = snapshotDirectory(this.config.dataDir);
    this.running = writeSnapshot(dir, image.zxid, paced(image.records))
      .then(async () => {
        this.logger.info({ zxid: image.zxid, ms: Date.now() - began }, 'snapshot written');
        await purge({
          dataDir: this.config.dataDir,
          dataLogDir: this.config.dataLogDir,
          snapRetainCount: this.config.snapRetainCount,
        });
        return image.zxid;
      })
      .finally(() => {
        image.abandon();
        this.running = null;
        this.nextAt = this.randomThreshold();
      });
    return this.running;
  }

  /** Waits for a running snapshot to finish (at shutdown). */
  async settle(): Promise<void> {
    if (this.running !== null) await this.running.catch(() => undefined);
  }
}
