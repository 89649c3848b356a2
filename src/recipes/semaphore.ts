/**
 * Semaphore: at most `maxLeases` holders at once (Curator's InterProcessSemaphoreV2). Each
 * contender creates an ephemeral-sequential lease node with a protected name; the first
 * `maxLeases` in sequence order hold a lease. Waiters watch the children list, since any
 * release may admit them. Each lease carries a fencing token (its node's czxid) and a signal
 * that aborts when it is or may be lost, as Lock's grants do.
 *
 *   const pool = new Semaphore(client, '/limits/db', 5);
 *   const lease = await pool.acquire({ timeoutMs: 5_000 });
 *   try { await query(); } finally { await lease.release(); }
 */
import type { ZooKeeperClient } from '../client/index.js';
import {
  createProtected,
  deleteIfExists,
  ensurePath,
  retrying,
  sortedBySequence,
  type OwnNode,
} from './nodes.js';
import { RecipeError } from './recipe-errors.js';
import { deadlineSignal, grantSignal, untilSignalled, type WaitOptions } from './signals.js';

export const LEASE_NODE_NAME = 'lease-';

export interface Lease {
  readonly path: string;
  readonly fencingToken: number;
  /** Aborts when the lease is or may be lost. */
  readonly signal: AbortSignal;
  /** Gives the lease back (idempotent). */
  release(): Promise<void>;
}

export class Semaphore {
  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    readonly maxLeases: number,
  ) {
    if (!Number.isInteger(maxLeases) || maxLeases < 1) {
      throw new RangeError(`semaphore ${path}: maxLeases must be a positive integer`);
    }
  }

  /** Waits for a lease; on timeout or abort the request is withdrawn. */
  async acquire(opts: WaitOptions = {}): Promise<Lease> {
    const deadline = deadlineSignal(opts, `semaphore ${this.path}`);
    try {
      await ensurePath(this.client, this.path);
      const own = await createProtected(this.client, this.path, LEASE_NODE_NAME, {
        mode: 'ephemeralSequential',
      });
      try {
        await this.waitForLease(own, deadline.signal);
      } catch (error) {
        await deleteIfExists(this.client, own.path).catch(() => false);
        throw error;
      }
      return this.lease(own);
    } finally {
      deadline.dispose();
    }
  }

  /** Lease node names in order; the first maxLeases hold leases. */
  async leases(): Promise<string[]> {
    const children = await retrying(() => this.client.getChildren(this.path), 'leases');
    return sortedBySequence(children, LEASE_NODE_NAME);
  }

  private lease(own: OwnNode): Lease {
    const guard = grantSignal(this.client, `lease of ${this.path}`);
    let released = false;
    return {
      path: own.path,
      fencingToken: own.stat.czxid,
      signal: guard.signal,
      release: async () => {
        if (released) return;
        released = true;
        guard.dispose();
        await deleteIfExists(this.client, own.path);
      },
    };
  }

  private async waitForLease(own: OwnNode, signal: AbortSignal): Promise<void> {
    for (;;) {
      signal.throwIfAborted();
      let fire: () => void = () => undefined;
      const changed = new Promise<void>((resolve) => (fire = resolve));
      const children = await retrying(
        () => this.client.getChildren(this.path, { watch: () => fire() }),
        `semaphore ${this.path}`,
      );
      const index = sortedBySequence(children, LEASE_NODE_NAME).indexOf(own.name);
      if (index < 0) {
        const msg = `semaphore ${this.path}: our node ${own.name} is gone (session expired?)`;
        throw new RecipeError('WARREN_RECIPE_NODE_LOST', msg);
      }
      if (index < this.maxLeases) return;
      await untilSignalled(this.client, changed, signal);
    }
  }
}
