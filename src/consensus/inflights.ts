/**
 * Append messages sent to one follower and not yet acknowledged, capped by count and by bytes
 * so a slow follower cannot make the leader buffer without bound. A fixed ring: adding and
 * freeing never shift an array.
 */
import { assert, fail } from '../util/assert.js';
import type { Index } from './types.js';

export class Inflights {
  private readonly indexes: Index[];
  private readonly sizes: number[];
  private start = 0;
  private length = 0;
  private bytesInFlight = 0;

  constructor(
    readonly countMax: number,
    readonly bytesMax: number,
  ) {
    assert(countMax > 0 && bytesMax > 0, 'Inflights: caps must be positive');
    this.indexes = new Array<Index>(countMax).fill(0);
    this.sizes = new Array<number>(countMax).fill(0);
  }

  get count(): number {
    return this.length;
  }

  get bytes(): number {
    return this.bytesInFlight;
  }

  full(): boolean {
    return this.length >= this.countMax || this.bytesInFlight >= this.bytesMax;
  }

  /** Records a message whose last entry is `index`. */
  add(index: Index, bytes: number): void {
    assert(!this.full(), 'Inflights.add: already full');
    const last = this.length > 0 ? this.at(this.length - 1) : -1;
    if (index <= last) fail(`Inflights.add: index ${index} not after ${last}`);
    const slot = (this.start + this.length) % this.countMax;
    this.indexes[slot] = index;
    this.sizes[slot] = bytes;
    this.length++;
    this.bytesInFlight += bytes;
  }

  /** Frees every message whose last entry is at or below `index` (it was acknowledged). */
  freeLE(index: Index): void {
    while (this.length > 0 && this.at(0) <= index) this.freeFirst();
  }

  /** Frees the oldest message, so a stalled pipeline can send one probe-like append. */
  freeFirst(): void {
    assert(this.length > 0, 'Inflights.freeFirst: empty');
    this.bytesInFlight -= this.sizes[this.start] ?? 0;
    this.start = (this.start + 1) % this.countMax;
    this.length--;
    assert(this.bytesInFlight >= 0, 'Inflights: negative bytes');
  }

  reset(): void {
    this.start = 0;
    this.length = 0;
    this.bytesInFlight = 0;
  }

  private at(offset: number): Index {
    return this.indexes[(this.start + offset) % this.countMax] ?? 0;
  }
}
