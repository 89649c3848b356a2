/**
 * Barrier: while its node exists, waiters block (Curator's DistributedBarrier). One party
 * sets it, others wait (by an exists watch) until it is removed.
 *
 *   await new Barrier(client, '/gates/deploy').set();      // coordinator
 *   await new Barrier(client, '/gates/deploy').waitOn();   // workers
 */
import { NodeExistsError, type ZooKeeperClient } from '../client/index.js';
import { deleteIfExists, ensurePath, retrying, waitUntilGone } from './nodes.js';
import { deadlineSignal, type WaitOptions } from './signals.js';

export class Barrier {
  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
  ) {}

  /** Raises the barrier (idempotent). */
  async set(): Promise<void> {
    const parent = this.path.slice(0, this.path.lastIndexOf('/'));
    if (parent !== '') await ensurePath(this.client, parent);
    await retrying(async () => {
      await this.client.create(this.path).catch((error: unknown) => {
        if (!(error instanceof NodeExistsError)) throw error;
      });
    }, `barrier ${this.path}`);
  }

  /** Lowers the barrier; every waiter goes on. */
  async remove(): Promise<void> {
    await deleteIfExists(this.client, this.path);
  }

  /** Resolves once the barrier is down (at once when it is not set). */
  async waitOn(opts: WaitOptions = {}): Promise<void> {
    const deadline = deadlineSignal(opts, `barrier ${this.path}`);
    try {
      await waitUntilGone(this.client, this.path, deadline.signal);
    } finally {
      deadline.dispose();
    }
  }
}
