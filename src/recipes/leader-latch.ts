/**
 * LeaderLatch: leader election among participants (Curator's LeaderLatch). Each participant
 * holds an ephemeral-sequential node with a protected name; the lowest sequence number leads,
 * and every other participant watches only its predecessor. Leadership is given up at once
 * when the connection drops (the session may expire before this client hears of it) and
 * taken back on reconnect if the node is still first; a session expiry ends the latch with an
 * 'error' event. Each leadership carries a fencing token (the node's czxid) and a signal
 * that aborts when it is lost.
 *
 *   const latch = new LeaderLatch(client, '/election', { id: 'worker-1' });
 *   latch.on('isLeader', (grant) => lead(grant.fencingToken, grant.signal));
 *   await latch.start();
 */
import { EventEmitter } from 'node:events';
import { NoNodeError, type ZooKeeperClient } from '../client/index.js';
import {
  createProtected,
  deleteIfExists,
  ensurePath,
  isConnectionLoss,
  retrying,
  sortedBySequence,
  type OwnNode,
} from './nodes.js';
import { RecipeError } from './recipe-errors.js';
import {
  deadlineSignal,
  grantSignal,
  sessionEnded,
  sessionLostError,
  untilSignalled,
  type WaitOptions,
} from './signals.js';

export const LATCH_NODE_NAME = 'latch-';

export interface LeadershipGrant {
  /** The leader's node's czxid: larger for every later leader's node. */
  readonly fencingToken: number;
  /** Aborts when leadership is or may be lost. */
  readonly signal: AbortSignal;
}

export type LeaderLatchEvents = {
  isLeader: [LeadershipGrant];
  notLeader: [];
  error: [Error];
};

export class LeaderLatch extends EventEmitter<LeaderLatchEvents> {
  private own: OwnNode | undefined;
  private current: { grant: LeadershipGrant; dispose: () => void } | undefined;
  private started = false;
  private closed = false;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly onConnected = (): void => this.schedule();
  private readonly onEnded = (): void => this.fail(sessionLostError(`latch ${this.path}`));

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    private readonly options: { id?: string } = {},
  ) {
    super();
  }

  get hasLeadership(): boolean {
    return this.current !== undefined && !this.current.grant.signal.aborted;
  }

  /** The current leadership, if any. */
  get grant(): LeadershipGrant | undefined {
    return this.hasLeadership ? this.current?.grant : undefined;
  }

  /** Joins the election; resolves once this participant's node exists. */
  async start(): Promise<void> {
    if (this.started) throw new RecipeError('WARREN_RECIPE_BUSY', `latch ${this.path}: started`);
    this.started = true;
    this.client.on('connected', this.onConnected);
    this.client.on('expired', this.onEnded).on('closed', this.onEnded);
    await this.join();
    this.schedule();
  }

  /** Waits until this participant leads. */
  async waitForLeadership(opts: WaitOptions = {}): Promise<LeadershipGrant> {
    const now = this.grant;
    if (now !== undefined) return now;
    const deadline = deadlineSignal(opts, `latch ${this.path}`);
    try {
      const next = new Promise<LeadershipGrant>((resolve) => this.once('isLeader', resolve));
      return await untilSignalled(this.client, next, deadline.signal);
    } finally {
      deadline.dispose();
    }
  }

  /** Leaves the election: gives up leadership and deletes the node. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unlisten();
    this.lose();
    const own = this.own;
    this.own = undefined;
    if (own !== undefined && !sessionEnded(this.client)) {
      await deleteIfExists(this.client, own.path);
    }
  }

  /** The participants' ids (node data) in succession order; the first leads. */
  async participants(): Promise<string[]> {
    const children = await retrying(() => this.client.getChildren(this.path), 'participants');
    const ids: string[] = [];
    for (const name of sortedBySequence(children, LATCH_NODE_NAME)) {
      const path = `${this.path}/${name}`;
      const data = await retrying(() => this.client.getData(path), 'participants').catch(
        (error: unknown) => {
          if (error instanceof NoNodeError) return undefined;
          throw error;
        },
      );
      if (data !== undefined) ids.push(data.data?.toString('utf8') ?? '');
    }
    return ids;
  }

  private unlisten(): void {
    this.client.off('connected', this.onConnected);
    this.client.off('expired', this.onEnded).off('closed', this.onEnded);
  }

  private async join(): Promise<void> {
    await ensurePath(this.client, this.path);
    this.own = await createProtected(this.client, this.path, LATCH_NODE_NAME, {
      mode: 'ephemeralSequential',
      data: this.options.id ?? '',
    });
  }

  /** Runs check() now, or once more after the running one. */
  private schedule(): void {
    if (this.closed || !this.started) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.check()
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
  }

  private fail(error: unknown): void {
    if (this.closed) return;
    if (isConnectionLoss(error)) return; // the reconnect schedules another check
    this.lose();
    if (sessionEnded(this.client)) {
      this.closed = true;
      this.unlisten();
    }
    if (this.listenerCount('error') > 0) this.emit('error', error as Error);
  }

  private async check(): Promise<void> {
    if (this.client.state !== 'connected') return;
    if (this.own === undefined) await this.join();
    const own = this.own;
    if (own === undefined || this.closed) return;
    const children = await this.client.getChildren(this.path);
    const order = sortedBySequence(children, LATCH_NODE_NAME);
    const index = order.indexOf(own.name);
    if (index < 0) {
      this.lose();
      this.own = undefined; // deleted by someone: join again
      this.again = true;
      return;
    }
    const predecessor = order[index - 1];
    if (predecessor === undefined) return this.gain(own);
    this.lose();
    const watch = (): void => this.schedule();
    const stat = await this.client.exists(`${this.path}/${predecessor}`, { watch });
    if (stat === null) this.again = true;
  }

  private gain(own: OwnNode): void {
    if (this.hasLeadership) return;
    this.current?.dispose();
    const guard = grantSignal(this.client, `leadership of ${this.path}`);
    if (guard.signal.aborted) return;
    const grant = { fencingToken: own.stat.czxid, signal: guard.signal };
    this.current = { grant, dispose: guard.dispose };
    guard.signal.addEventListener('abort', () => this.lose(), { once: true });
    this.emit('isLeader', grant);
  }

  private lose(): void {
    const current = this.current;
    if (current === undefined) return;
    this.current = undefined;
    current.dispose();
    this.emit('notLeader');
  }
}
