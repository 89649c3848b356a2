/**
 * A map from increasing small integers (request counters) to values, for keys that are
 * mostly live a short while and in order: each key has a slot in a fixed ring, and only a
 * key whose slot is taken by another live key goes to a Map. Unlike a Map whose table grows
 * and shrinks as a batch of writes comes and goes, the ring allocates nothing per key.
 */
import { assert } from '../util/assert.js';

export class SlotMap<V> {
  private readonly keys: Int32Array;
  private readonly values: (V | undefined)[];
  private readonly overflow = new Map<number, V>();
  private readonly mask: number;
  private count = 0;

  /** @param slotsLog2 the ring has 2^slotsLog2 slots */
  constructor(slotsLog2 = 16) {
    assert(slotsLog2 > 0 && slotsLog2 <= 24, 'slot map: bad size');
    const slots = 1 << slotsLog2;
    this.mask = slots - 1;
    this.keys = new Int32Array(slots).fill(-1);
    this.values = new Array<V | undefined>(slots).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  /** `key` must be a non-negative 31-bit integer not already present. */
  set(key: number, value: V): void {
    assert(Number.isInteger(key) && key >= 0 && key < 2 ** 31, `slot map: bad key ${key}`);
    const slot = key & this.mask;
    if (this.keys[slot] === -1) {
      this.keys[slot] = key;
      this.values[slot] = value;
    } else {
      assert(this.keys[slot] !== key && !this.overflow.has(key), `slot map: ${key} set twice`);
      this.overflow.set(key, value);
    }
    this.count++;
  }

  get(key: number): V | undefined {
    if (key < 0) return undefined;
    const slot = key & this.mask;
    if (this.keys[slot] === key) return this.values[slot];
    return this.overflow.size === 0 ? undefined : this.overflow.get(key);
  }

  has(key: number): boolean {
    return this.get(key) !== undefined;
  }

  delete(key: number): boolean {
    if (key < 0) return false;
    const slot = key & this.mask;
    if (this.keys[slot] === key) {
      this.keys[slot] = -1;
      this.values[slot] = undefined;
      this.count--;
      return true;
    }
    if (!this.overflow.delete(key)) return false;
    this.count--;
    return true;
  }

  /** Every entry, as a list (safe to change the map while walking it). */
  entries(): [number, V][] {
    const out: [number, V][] = [];
    if (this.count === 0) return out;
    for (let slot = 0; slot < this.keys.length; slot++) {
      const key = this.keys[slot] as number;
      if (key !== -1) out.push([key, this.values[slot] as V]);
    }
    for (const entry of this.overflow) out.push(entry);
    return out;
  }
}
