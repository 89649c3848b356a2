/**
 * Divergence detection: a member remembers its tree digest after each of the last few
 * thousand entries it applied. Every entry carries the leader's digest at the index it had
 * applied when it prepared the entry; a member applying the entry looks up its own digest at
 * that index. A difference means the two trees differ at the same point of the log: the
 * member stops with a DivergenceError naming the index, rather than serve or extend a state
 * no other replica has. Indexes older than the ledger (or before an installed snapshot) are
 * not checked; they were checked by earlier entries.
 */
import { fail } from '../util/assert.js';
import { digestLedgerEntries } from '../util/limits.js';

export class DivergenceError extends Error {
  override readonly name = 'DivergenceError';
  readonly code = 'WARREN_DIVERGED';

  constructor(
    readonly index: number,
    readonly entry: number,
    ours: number,
    leaders: number,
  ) {
    super(
      `this member's tree after index ${index} differs from the leader's (digest ` +
        `${ours.toString(16)} here, ${leaders.toString(16)} on the leader, checked by entry ` +
        `${entry}): its state has diverged, so it stops. Move its data directory aside and ` +
        'restart it empty to restore it from the other members (docs/ensemble.md).',
    );
  }
}

/** Slots to start with; the ledger doubles up to digestLedgerEntries as indexes grow. */
const initialSlots = 1024;

export class DigestLedger {
  // Grown on demand: a member (re)started often, as in the simulator, or one with a short
  // log never pays for the full ring.
  private indexes = new Float64Array(initialSlots);
  private digests = new Float64Array(initialSlots);
  /** Entries looked up and found equal, and the ones too old to look up. */
  checked = 0;
  skipped = 0;

  record(index: number, digest: number): void {
    if (index >= this.indexes.length && this.indexes.length < digestLedgerEntries) {
      this.grow(index);
    }
    const slot = index % this.indexes.length;
    this.indexes[slot] = index;
    this.digests[slot] = digest;
  }

  /**
   * Every index recorded so far is below the old size, so it keeps its slot (index mod the
   * new size is the index itself): growing is a copy.
   */
  private grow(index: number): void {
    let size = this.indexes.length;
    while (size <= index && size < digestLedgerEntries) size *= 2;
    size = Math.min(size, digestLedgerEntries);
    const indexes = new Float64Array(size);
    const digests = new Float64Array(size);
    indexes.set(this.indexes);
    digests.set(this.digests);
    this.indexes = indexes;
    this.digests = digests;
  }

  /** Forgets everything (a snapshot replaced the tree). */
  reset(): void {
    this.indexes.fill(0);
  }

  /** Throws DivergenceError when our digest at `index` is not `digest`. */
  verify(index: number, digest: number, entry: number): void {
    if (index === 0) return;
    if (index >= entry) fail(`digest ledger: entry ${entry} checks a later index ${index}`);
    const slot = index % this.indexes.length;
    if (this.indexes[slot] !== index) {
      this.skipped++;
      return;
    }
    const ours = this.digests[slot] as number;
    if (ours !== digest) throw new DivergenceError(index, entry, ours, digest);
    this.checked++;
  }
}
