/**
 * What a server asks of the world besides bytes: the time, timers, a turn of the event loop,
 * and randomness. Production passes `nodeRuntime`; the deterministic simulator passes a
 * virtual one per simulated process, so that a seed decides every time, every timer and every
 * random choice, and a killed process's timers die with it.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { assert } from './assert.js';

/** A pending timer; cancelling a fired or cancelled one does nothing. */
export interface Timer {
  cancel(): void;
}

export interface Runtime {
  /** Wall-clock milliseconds since the epoch (it may jump, as a real clock can). */
  now(): number;
  /** Calls `fn` once, `ms` from now. Never keeps the process alive by itself. */
  after(ms: number, fn: () => void): Timer;
  /** Calls `fn` every `ms`. Never keeps the process alive by itself. */
  every(ms: number, fn: () => void): Timer;
  /** Calls `fn` once the I/O already received this turn was handled (setImmediate). */
  soon(fn: () => void): void;
  /** Keeps the process running until cancelled (start-up waits before anything listens). */
  keepAlive(): Timer;
  /** A uniform integer in [0, n), n ≤ 2^48. */
  randomInt(n: number): number;
  /** `count` random bytes (session passwords, ids). */
  randomBytes(count: number): Buffer;
}

class NodeTimer implements Timer {
  constructor(
    private readonly handle: NodeJS.Timeout,
    private readonly repeating: boolean,
  ) {
    handle.unref();
  }

  cancel(): void {
    if (this.repeating) clearInterval(this.handle);
    else clearTimeout(this.handle);
  }
}

export const nodeRuntime: Runtime = {
  now: Date.now,
  after: (ms, fn) => new NodeTimer(setTimeout(fn, ms), false),
  every: (ms, fn) => new NodeTimer(setInterval(fn, ms), true),
  soon: (fn) => void setImmediate(fn),
  keepAlive: () => {
    const handle = setInterval(() => undefined, 60_000);
    return { cancel: () => clearInterval(handle) };
  },
  randomInt(n) {
    assert(Number.isSafeInteger(n) && n > 0 && n <= 2 ** 48, `randomInt(${n})`);
    return randomInt(n);
  },
  randomBytes: (count) => randomBytes(count),
};

/** Resolves after `ms` on `runtime`'s clock. */
export function sleepOn(runtime: Runtime, ms: number): Promise<void> {
  return new Promise((resolve) => void runtime.after(ms, resolve));
}
