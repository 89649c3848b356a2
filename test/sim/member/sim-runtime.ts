/**
 * The Runtime of one simulated process incarnation: its timers are world events it owns (so
 * they die with it and wait while it is paused), `soon` is an event at the same virtual time,
 * its clock is the world's plus an offset the simulation can jump, and its randomness comes
 * from the seed.
 */
import type { Runtime, Timer } from '../../../src/util/runtime.js';
import type { Prng } from '../../support/prng.js';
import type { Incarnation, SimWorld } from './world.js';

export class SimRuntime implements Runtime {
  /** What this process's clock reads ahead of (or behind) the world's. */
  clockOffsetMs = 0;

  constructor(
    private readonly world: SimWorld,
    readonly incarnation: Incarnation,
    private readonly prng: Prng,
  ) {}

  now(): number {
    // Wall-clock time, as Date.now() would give it: whole milliseconds from an epoch-like
    // base, plus virtual time.
    return Math.floor(1_700_000_000_000 + this.world.now + this.clockOffsetMs);
  }

  after(ms: number, fn: () => void): Timer {
    let live = true;
    this.world.after(Math.max(0, ms), () => live && fn(), this.incarnation);
    return { cancel: () => void (live = false) };
  }

  every(ms: number, fn: () => void): Timer {
    let live = true;
    const interval = Math.max(1, ms);
    const fire = (): void => {
      if (!live) return;
      this.world.after(interval, fire, this.incarnation);
      fn();
    };
    this.world.after(interval, fire, this.incarnation);
    return { cancel: () => void (live = false) };
  }

  soon(fn: () => void): void {
    this.world.after(0, fn, this.incarnation);
  }

  keepAlive(): Timer {
    return { cancel: () => undefined };
  }

  randomInt(n: number): number {
    return this.prng.int(n);
  }

  randomBytes(count: number): Buffer {
    return this.prng.bytes(count);
  }
}
