/**
 * The tail of the log not yet persisted: entries (and possibly an incoming snapshot) that the
 * next Ready hands to the host. Invariant: entries[i].index === offset + i, and with a
 * snapshot, offset === snapshot.meta.index + 1.
 */
import { assert } from '../util/assert.js';
import type { Entry, Index, Snapshot, Term } from './types.js';

export class Unstable {
  snapshot: Snapshot | undefined = undefined;
  entries: Entry[] = [];

  constructor(public offset: Index) {}

  /** First index, when the unstable part knows it (only with a snapshot). */
  maybeFirstIndex(): Index | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.meta.index + 1;
  }

  maybeLastIndex(): Index | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot?.meta.index;
  }

  maybeTerm(index: Index): Term | undefined {
    if (index < this.offset) {
      return this.snapshot?.meta.index === index ? this.snapshot.meta.term : undefined;
    }
    return this.entries[index - this.offset]?.term;
  }

  /** Entries up to `index` (of `term`) are durable; drop them from the tail. */
  stableTo(index: Index, term: Term): void {
    if (index < this.offset || this.maybeTerm(index) !== term) return;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = index + 1;
  }

  stableSnapshotTo(index: Index): void {
    if (this.snapshot?.meta.index === index) this.snapshot = undefined;
  }

  restore(snapshot: Snapshot): void {
    this.offset = snapshot.meta.index + 1;
    this.entries = [];
    this.snapshot = snapshot;
  }

  /** Appends, first cutting any suffix (here or only in storage) the new entries replace. */
  truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const after = first.index;
    if (after === this.offset + this.entries.length) {
      this.entries.push(...entries);
    } else if (after <= this.offset) {
      // Replaces persisted entries too; the host truncates storage when it persists these.
      this.offset = after;
      this.entries = [...entries];
    } else {
      this.entries = this.entries.slice(0, after - this.offset).concat(entries);
    }
    this.checkInvariant();
  }

  slice(lo: Index, hi: Index): Entry[] {
    assert(lo >= this.offset && hi <= this.offset + this.entries.length, 'unstable slice');
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }

  private checkInvariant(): void {
    const first = this.entries[0];
    if (first !== undefined) assert(first.index === this.offset, 'unstable: offset mismatch');
    const last = this.entries[this.entries.length - 1];
    if (last !== undefined) {
      assert(last.index === this.offset + this.entries.length - 1, 'unstable: gap in entries');
    }
  }
}
