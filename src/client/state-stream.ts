/**
 * Session states as an async iterable: each iterator sees every state from the moment it was
 * created, in order, and ends after a terminal state (expired, authFailed, closed). Unread
 * states are buffered up to a cap; past it the oldest are dropped (a reader that far behind
 * only needs the latest states).
 */
import type { SessionState } from './types.js';

const BUFFERED_STATES_MAX = 1024;
const TERMINAL: ReadonlySet<SessionState> = new Set(['expired', 'authFailed', 'closed']);

export class StateStream implements AsyncIterableIterator<SessionState> {
  private readonly buffered: SessionState[] = [];
  private waiter: ((result: IteratorResult<SessionState>) => void) | undefined;
  private ended = false;

  constructor(private readonly unsubscribe: (stream: StateStream) => void) {}

  push(state: SessionState): void {
    if (this.ended) return;
    if (TERMINAL.has(state)) {
      this.ended = true;
      this.unsubscribe(this);
    }
    if (this.waiter !== undefined) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter({ value: state, done: false });
      return;
    }
    if (this.buffered.length >= BUFFERED_STATES_MAX) this.buffered.shift();
    this.buffered.push(state);
  }

  next(): Promise<IteratorResult<SessionState>> {
    const state = this.buffered.shift();
    if (state !== undefined) return Promise.resolve({ value: state, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<SessionState>> {
    this.ended = true;
    this.buffered.length = 0;
    this.unsubscribe(this);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<SessionState> {
    return this;
  }
}
