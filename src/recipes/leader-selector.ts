/**
 * LeaderSelector: leader election that runs a callback while leading (Curator's
 * LeaderSelector). Participants queue on a Lock (ephemeral-sequential nodes, each watching only
 * its predecessor); the one holding it runs `takeLeadership(signal, leadership)`. When the
 * callback returns (or throws) leadership is released, and the participant queues again if
 * `autoRequeue` is set or requeue() was called. A dropped connection or an expired session
 * aborts the signal at once: the callback must stop. The node is deleted only after the
 * callback has returned (or goes with the expired session), so at most one callback runs
 * between its start and its return. The fencing token is the election node's czxid.
 *
 *   const selector = new LeaderSelector(client, '/election', {
 *     autoRequeue: true,
 *     takeLeadership: async (signal, { fencingToken }) => lead(fencingToken, signal),
 *   });
 *   selector.start();
 */
import { EventEmitter } from 'node:events';
import { NoNodeError, type ZooKeeperClient } from '../client/index.js';
import { Lock, lockContenders } from './lock.js';
import { retrying } from './nodes.js';
import { RecipeError } from './recipe-errors.js';
import { sessionEnded, sessionLostError } from './signals.js';

/** Wait before queueing again after a failed attempt that was not a session end. */
const REQUEUE_DELAY_MS = 1_000;

export interface Leadership {
  /** The election node's czxid: larger for every later leadership. */
  readonly fencingToken: number;
  /** The election node. */
  readonly path: string;
  /** Aborts when leadership is or may be lost, on interruptLeadership() and on close(). */
  readonly signal: AbortSignal;
}

export interface LeaderSelectorOptions {
  /** Runs while this participant leads; leadership ends when the promise settles. */
  takeLeadership: (signal: AbortSignal, leadership: Leadership) => Promise<void>;
  /** Queue again each time leadership ends (default false: once per start/requeue). */
  autoRequeue?: boolean;
  /** This participant's id, stored in its node (see participants()). */
  id?: string;
}

export type LeaderSelectorEvents = {
  leadership: [Leadership];
  released: [];
  error: [Error];
};

export class LeaderSelector extends EventEmitter<LeaderSelectorEvents> {
  private readonly lock: Lock;
  private started = false;
  private closed = false;
  private requeued = false;
  private running: Promise<void> | undefined;
  private readonly stop = new AbortController();
  private leading: { leadership: Leadership; controller: AbortController } | undefined;

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    private readonly options: LeaderSelectorOptions,
  ) {
    super();
    this.lock = new Lock(client, path, { data: options.id ?? '' });
  }

  /** True while takeLeadership runs with a signal that has not aborted. */
  get hasLeadership(): boolean {
    return this.leading !== undefined && !this.leading.controller.signal.aborted;
  }

  /** Joins the election (once). */
  start(): void {
    if (this.started) throw new RecipeError('WARREN_RECIPE_BUSY', `selector ${this.path}: started`);
    this.started = true;
    this.requeue();
  }

  /** Queues for leadership again; false when closed. Queued at most once at a time. */
  requeue(): boolean {
    if (this.closed || !this.started) return false;
    if (this.running !== undefined) {
      this.requeued = true;
      return true;
    }
    this.running = this.run().finally(() => (this.running = undefined));
    return true;
  }

  /** Aborts the current leadership's signal (takeLeadership should return soon). */
  interruptLeadership(): void {
    this.leading?.controller.abort(
      new RecipeError('WARREN_RECIPE_ABORTED', `leadership of ${this.path}: interrupted`),
    );
  }

  /** Leaves the election: aborts a running leadership, waits for it to end, and withdraws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort(new RecipeError('WARREN_RECIPE_ABORTED', `selector ${this.path}: closed`));
    await this.running;
  }

  /** The participants' ids in succession order; the first leads (or is about to). */
  async participants(): Promise<string[]> {
    const ids: string[] = [];
    for (const name of await lockContenders(this.client, this.path)) {
      const path = `${this.path}/${name}`;
      const read = await retrying(() => this.client.getData(path), 'participants').catch(
        (error: unknown) => {
          if (error instanceof NoNodeError) return undefined;
          throw error;
        },
      );
      if (read !== undefined) ids.push(read.data?.toString('utf8') ?? '');
    }
    return ids;
  }

  private async run(): Promise<void> {
    for (;;) {
      this.requeued = false;
      const ok = await this.round();
      const again = this.requeued || this.options.autoRequeue === true;
      if (this.closed || !again) return;
      if (sessionEnded(this.client)) {
        // A failed acquire has reported its error; a lost leadership has not.
        if (ok) this.report(sessionLostError(`selector ${this.path}`));
        return;
      }
      if (!ok) await this.pause();
    }
  }

  /** One turn: wait for the lock, lead, release. False when the attempt failed. */
  private async round(): Promise<boolean> {
    let grant;
    try {
      grant = await this.lock.acquire({ signal: this.stop.signal });
    } catch (error) {
      if (!this.closed) this.report(error);
      return false;
    }
    const controller = new AbortController();
    const lost = (): void => controller.abort(grant.signal.reason);
    const closing = (): void => controller.abort(this.stop.signal.reason);
    grant.signal.addEventListener('abort', lost, { once: true });
    this.stop.signal.addEventListener('abort', closing, { once: true });
    if (grant.signal.aborted) lost();
    if (this.stop.signal.aborted) closing();
    const leadership = {
      fencingToken: grant.fencingToken,
      path: grant.path,
      signal: controller.signal,
    };
    this.leading = { leadership, controller };
    try {
      // Lost already (the connection dropped as the lock was granted): release, don't lead.
      if (!controller.signal.aborted) {
        this.emit('leadership', leadership);
        await this.options.takeLeadership(controller.signal, leadership);
      }
    } catch (error) {
      if (!controller.signal.aborted) this.report(error);
    } finally {
      this.leading = undefined;
      grant.signal.removeEventListener('abort', lost);
      this.stop.signal.removeEventListener('abort', closing);
      controller.abort(
        new RecipeError('WARREN_RECIPE_ABORTED', `leadership of ${this.path}: over`),
      );
      await this.lock.release().catch((error: unknown) => this.report(error));
      this.emit('released');
    }
    return true;
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.stop.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, REQUEUE_DELAY_MS);
      this.stop.signal.addEventListener('abort', done, { once: true });
    });
  }

  private report(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', error as Error);
  }
}
