/**
 * The randomness the core needs (election timeouts) comes from a seeded generator the host
 * passes in, so that a simulation replays exactly from its seed.
 */
import { fail } from '../util/assert.js';

export interface Random {
  /** An integer in [0, bound). */
  int(bound: number): number;
}

/** mulberry32: 32 bits of state, fast, and good enough for spreading election timeouts. */
export class SeededRandom implements Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  int(bound: number): number {
    if (!(Number.isInteger(bound) && bound > 0)) fail(`SeededRandom.int: bad bound ${bound}`);
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    const u32 = (z ^ (z >>> 14)) >>> 0;
    return Math.floor((u32 / 4294967296) * bound);
  }
}
