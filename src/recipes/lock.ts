/**
 * Lock: a distributed mutex (ZooKeeper's lock recipe, like Curator's InterProcessMutex).
 * Each contender creates an ephemeral-sequential node under the lock path with a protected
 * name; the lowest sequence number holds the lock, and every other contender watches only its
 * predecessor, so a release wakes one waiter (no herd). Each grant carries a fencing token
 * (the node's czxid, rising with every grant) and a signal that aborts when the lock is or may
 * be lost: the connection dropped, the session expired, or the client closed.
 *
 *   const lock = new Lock(client, '/locks/orders');
 *   const grant = await lock.acquire({ timeoutMs: 5_000 });
 *   try { await work(grant.fencingToken, grant.signal); } finally { await lock.release(); }
 */
import type { ZooKeeperClient } from '../client/index.js';
import {
  createProtected,
  deleteIfExists,
  ensurePath,
  retrying,
  sortedBySequence,
  waitUntilGone,
  type OwnNode,
} from './nodes.js';
import { RecipeError } from './recipe-errors.js';
import { deadlineSignal, grantSignal, type WaitOptions } from './signals.js';

/** The marker in every contender's node name. */
export const LOCK_NODE_NAME = 'lock-';

export interface LockOptions {
  /** acquire() while held returns the same grant, and needs as many release() calls. */
  reentrant?: boolean;
  /** Data stored in the contender's node (e.g. who holds it). */
  data?: Buffer | string;
}

export interface LockGrant {
  /** The holder's node. */
  readonly path: string;
  /** The node's czxid: larger for every later grant of this lock. */
  readonly fencingToken: number;
  /** Aborts when the lock is or may be lost; its reason says why. */
  readonly signal: AbortSignal;
}

interface Held {
  grant: LockGrant;
  count: number;
  dispose: () => void;
}

/** The contenders' node names in lock order; the first holds the lock. */
export async function lockContenders(client: ZooKeeperClient, path: string): Promise<string[]> {
  const children = await retrying(() => client.getChildren(path), `getChildren ${path}`);
  return sortedBySequence(children, LOCK_NODE_NAME);
}

export class Lock {
  private held: Held | undefined;
  private acquiring = false;
  /** The marker in this contender's node name. */
  protected readonly nodeName: string = LOCK_NODE_NAME;

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    private readonly options: LockOptions = {},
  ) {}

  /** True while this instance holds a grant that is not lost. */
  get isHeld(): boolean {
    return this.held !== undefined && !this.held.grant.signal.aborted;
  }

  /**
   * Waits for the lock. Rejects with RecipeError WARREN_RECIPE_TIMEOUT or _ABORTED (and
   * withdraws), _SESSION_LOST when the session ends, or _BUSY when this instance already holds
   * it (not reentrant) or is acquiring.
   */
  async acquire(opts: WaitOptions = {}): Promise<LockGrant> {
    if (this.held !== undefined) {
      if (this.options.reentrant === true && !this.held.grant.signal.aborted) {
        this.held.count++;
        return this.held.grant;
      }
      throw new RecipeError('WARREN_RECIPE_BUSY', `lock ${this.path}: already held; release it`);
    }
    if (this.acquiring) {
      throw new RecipeError('WARREN_RECIPE_BUSY', `lock ${this.path}: acquire already running`);
    }
    this.acquiring = true;
    const deadline = deadlineSignal(opts, `lock ${this.path}`);
    try {
      return await this.contend(deadline.signal);
    } finally {
      deadline.dispose();
      this.acquiring = false;
    }
  }

  /** Releases one hold; the last one deletes the node. A lost lock releases quietly. */
  async release(): Promise<void> {
    const held = this.held;
    if (held === undefined) {
      throw new RecipeError('WARREN_RECIPE_NOT_HELD', `lock ${this.path}: not held`);
    }
    held.count--;
    if (held.count > 0) return;
    this.held = undefined;
    held.dispose();
    await deleteIfExists(this.client, held.grant.path);
  }

  private async contend(signal: AbortSignal): Promise<LockGrant> {
    await ensurePath(this.client, this.path);
    const own = await createProtected(this.client, this.path, this.nodeName, {
      mode: 'ephemeralSequential',
      data: this.options.data,
    });
    try {
      await this.waitForTurn(own, signal);
    } catch (error) {
      await deleteIfExists(this.client, own.path).catch(() => false);
      throw error;
    }
    const guard = grantSignal(this.client, `lock ${this.path}`);
    const grant = { path: own.path, fencingToken: own.stat.czxid, signal: guard.signal };
    this.held = { grant, count: 1, dispose: guard.dispose };
    return grant;
  }

  /** Every contender's node name, in sequence order. */
  protected contenders(): Promise<string[]> {
    return lockContenders(this.client, this.path);
  }

  /** The node this contender waits on, or undefined when it holds the lock. */
  protected blockerOf(contenders: readonly string[], index: number): string | undefined {
    return contenders[index - 1];
  }

  private async waitForTurn(own: OwnNode, signal: AbortSignal): Promise<void> {
    for (;;) {
      signal.throwIfAborted();
      const contenders = await this.contenders();
      const index = contenders.indexOf(own.name);
      if (index < 0) {
        const msg = `lock ${this.path}: our node ${own.name} is gone (session expired?)`;
        throw new RecipeError('WARREN_RECIPE_NODE_LOST', msg);
      }
      const predecessor = this.blockerOf(contenders, index);
      if (predecessor === undefined) return;
      await waitUntilGone(this.client, `${this.path}/${predecessor}`, signal);
    }
  }
}
