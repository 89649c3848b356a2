/**
 * Divergence detection: a member remembers its tree digest after each of the last few
 * thousand entries it applied. Every entry carries the leader's digest at the index it had
 * applied when it prepared the entry; a member applying the entry looks up its own digest at
 * that index. A difference means the two trees differ at the same point of the log: the
 * member stops with a DivergenceError naming the index, rather than serve or extend a state
 * no other replica has. Indexes older than the ledger (or before an installed snapshot) are
 * not checked; they were checked by earlier entries.
 */
import { assert } from '../util/assert.js';
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

export class DigestLedger {
  private readonly indexes = new Float64Array(digestLedgerEntries);
  private readonly digests = new Float64Array(digestLedgerEntries);
  /** Entries looked up and found equal, and the ones too old to look up. */
  checked = 0;
  skipped = 0;

  record(index: number, digest: number): void {
    const slot = index % digestLedgerEntries;
    this.indexes[slot] = index;
    this.digests[slot] = digest;
  }

  /** Forgets everything (a snapshot replaced the tree). */
  reset(): void {
    this.indexes.fill(0);
  }

  /** Throws DivergenceError when our digest at `index` is not `digest`. */
  verify(index: number, digest: number, entry: number): void {
    if (index === 0) return;
    assert(index < entry, `digest ledger: entry ${entry} checks a later index ${index}`);
    const slot = index % digestLedgerEntries;
    if (this.indexes[slot] !== index) {
      this.skipped++;
      return;
    }
    const ours = this.digests[slot] as number;
    if (ours !== digest) throw new DivergenceError(index, entry, ours, digest);
    this.checked++;
  }
}
