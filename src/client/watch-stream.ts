/**
 * Watch events as an async iterator (ZooKeeperClient.watchEvents). Events are pushed by the
 * session as notifications are read and wait in a bounded buffer until the reader takes them.
 * A full buffer either ends the stream with WatchOverflowError once the buffered events are
 * read ('fail', the default: a reader that fell behind must resync, not miss changes
 * silently) or drops the oldest event ('dropOldest'). The stream ends on return() (a `break`
 * out of `for await`), on its AbortSignal, and when the client closes; it fails with the
 * session's error when the session expires or authentication fails (its watches are gone).
 */
import { WatchOverflowError } from './client-errors.js';
import type { WatchedEvent } from './types.js';

/** Default and cap of WatchEventsOptions.bufferMax. */
export const watchBufferDefault = 1024;
export const watchBufferMax = 1_000_000;

export type WatchOverflow = 'fail' | 'dropOldest';

type Waiter = {
  resolve: (result: IteratorResult<WatchedEvent>) => void;
  reject: (error: Error) => void;
};

export class WatchEventStream implements AsyncIterableIterator<WatchedEvent> {
  /** Resolves once the server holds the watch; rejects (and the stream fails) if it cannot. */
  readonly ready: Promise<void>;
  private readonly buffered: WatchedEvent[] = [];
  private readonly waiters: Waiter[] = [];
  private failure: Error | undefined;
  private ended = false;
  private stopped = false;

  /** @internal `stop` unregisters; called once, when the stream stops taking events. */
  constructor(
    readonly path: string,
    private readonly bufferMax: number,
    private readonly overflow: WatchOverflow,
    registered: Promise<void>,
    private readonly stop: () => void,
  ) {
    this.ready = registered;
    // The caller may never await `ready`: the failure reaches it through next() as well.
    registered.catch((error: unknown) => this.fail(toError(error)));
  }

  /** @internal A notification for this stream. */
  push(event: WatchedEvent): void {
    if (this.stopped) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve({ value: event, done: false });
      return;
    }
    if (this.buffered.length < this.bufferMax) {
      this.buffered.push(event);
    } else if (this.overflow === 'dropOldest') {
      this.buffered.shift();
      this.buffered.push(event);
    } else {
      this.fail(new WatchOverflowError(this.path, this.bufferMax));
    }
  }

  /** @internal Ends after the buffered events (client closed). */
  finish(): void {
    this.halt();
    this.ended = true;
    this.settleWaiters();
  }

  /** @internal Fails after the buffered events. */
  fail(error: Error): void {
    if (this.stopped) return;
    this.halt();
    this.failure = error;
    this.settleWaiters();
  }

  next(): Promise<IteratorResult<WatchedEvent>> {
    const event = this.buffered.shift();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.failure !== undefined) {
      const error = this.failure;
      this.failure = undefined;
      this.ended = true;
      return Promise.reject(error);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Stops at once: buffered events are dropped and the watch is removed. */
  return(): Promise<IteratorResult<WatchedEvent>> {
    this.halt();
    this.buffered.length = 0;
    this.failure = undefined;
    this.ended = true;
    this.settleWaiters();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** The same as return(), for code that holds the stream outside a loop. */
  async close(): Promise<void> {
    await this.return();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<WatchedEvent> {
    return this;
  }

  private halt(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stop();
  }

  /** Waiters exist only while the buffer is empty: each gets the end or the failure. */
  private settleWaiters(): void {
    for (const waiter of this.waiters.splice(0)) {
      if (this.failure !== undefined) {
        waiter.reject(this.failure);
        this.failure = undefined;
        this.ended = true;
      } else {
        waiter.resolve({ value: undefined, done: true });
      }
    }
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * What a stream follows. 'data': the node's creation, data changes and deletion (an exists
 * watcher's events); 'children': its children list and its deletion (a child watcher's);
 * 'persistent': both; 'persistentRecursive': the node and every descendant, never
 * NodeChildrenChanged. All four ride on one persistent watch, so no change is missed between
 * two events as with re-armed one-shot watchers (this needs Warren or ZooKeeper 3.6+).
 */
export type WatchEventKind = 'data' | 'children' | 'persistent' | 'persistentRecursive';

export interface WatchEventsOptions {
  /** Default 'persistent'. */
  kind?: WatchEventKind;
  /** Events waiting to be read before the overflow policy applies (default 1024). */
  bufferMax?: number;
  /** Default 'fail': the stream ends with WatchOverflowError after the buffered events. */
  overflow?: WatchOverflow;
  /** Ends the stream (cleanly, buffered events dropped) when it aborts. */
  signal?: AbortSignal;
  /** Timeout of the addWatch request that registers the watch. */
  timeoutMs?: number;
}

const KIND_EVENTS: Readonly<Record<WatchEventKind, ReadonlySet<WatchedEvent['type']> | null>> = {
  data: new Set(['NodeCreated', 'NodeDataChanged', 'NodeDeleted']),
  children: new Set(['NodeChildrenChanged', 'NodeDeleted']),
  persistent: null,
  persistentRecursive: null,
};

/** Whether a stream of this kind passes the event on. */
export function kindAccepts(kind: WatchEventKind, event: WatchedEvent): boolean {
  return KIND_EVENTS[kind]?.has(event.type) ?? true;
}

export function checkWatchEventsOptions(opts: WatchEventsOptions): void {
  const bufferMax = opts.bufferMax ?? watchBufferDefault;
  if (!Number.isInteger(bufferMax) || bufferMax < 1 || bufferMax > watchBufferMax) {
    throw new RangeError(`watchEvents: bufferMax must be an integer in 1..${watchBufferMax}`);
  }
  if (opts.kind !== undefined && !(opts.kind in KIND_EVENTS)) {
    throw new RangeError(`watchEvents: unknown kind ${JSON.stringify(opts.kind)}`);
  }
}
