/**
 * A map from increasing small integers (request counters) to values, for keys that are
 * mostly live a short while and in order: each key has a slot in a fixed ring, and only a
 * key whose slot is taken by another live key goes to a Map. Unlike a Map whose table grows
 * and shrinks as a batch of writes comes and goes, the ring allocates nothing per key.
 * The ring starts small and doubles (up to a limit) when a live key finds its slot taken,
 * so that a process pays for the slots its load needs, not for the largest load.
 */
import { assert, fail } from '../util/assert.js';

export class SlotMap<V> {
  private keys: Int32Array;
  private values: (V | undefined)[];
  private readonly overflow = new Map<number, V>();
  private mask: number;
  private readonly slotsMax: number;
  private count = 0;

  /**
   * @param slotsLog2Max the ring grows to at most 2^slotsLog2Max slots
   * @param slotsLog2 the ring starts with 2^slotsLog2 slots
   */
  constructor(slotsLog2Max = 16, slotsLog2 = Math.min(8, slotsLog2Max)) {
    assert(slotsLog2Max > 0 && slotsLog2Max <= 24, 'slot map: bad size');
    assert(slotsLog2 > 0 && slotsLog2 <= slotsLog2Max, 'slot map: bad initial size');
    this.slotsMax = 1 << slotsLog2Max;
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
    if (!(Number.isInteger(key) && key >= 0 && key < 2 ** 31)) fail(`slot map: bad key ${key}`);
    let slot = key & this.mask;
    if (this.keys[slot] !== -1 && this.keys.length < this.slotsMax) {
      assert(this.keys[slot] !== key, `slot map: ${key} set twice`);
      this.grow();
      slot = key & this.mask;
    }
    if (this.keys[slot] === -1) {
      this.keys[slot] = key;
      this.values[slot] = value;
    } else {
      assert(this.keys[slot] !== key && !this.overflow.has(key), `slot map: ${key} set twice`);
      this.overflow.set(key, value);
    }
    this.count++;
  }

  /** Doubles the ring; live keys move to their new slots (or to the overflow map). */
  private grow(): void {
    const entries = this.entries();
    const slots = this.keys.length * 2;
    this.mask = slots - 1;
    this.keys = new Int32Array(slots).fill(-1);
    this.values = new Array<V | undefined>(slots).fill(undefined);
    this.overflow.clear();
    for (const [key, value] of entries) {
      const slot = key & this.mask;
      if (this.keys[slot] === -1) {
        this.keys[slot] = key;
        this.values[slot] = value;
      } else {
        this.overflow.set(key, value);
      }
    }
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
