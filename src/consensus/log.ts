/**
 * The replicated log: the stable part (LogStorage) plus the unstable tail, and the commit and
 * apply points. Invariants: applied <= committed <= lastIndex, and committed never moves back.
 */
import { assert, fail } from '../util/assert.js';
import type { LogStorage } from './storage.js';
import { Unstable } from './unstable.js';
import { entryBytes, type Entry, type Index, type Snapshot, type Term } from './types.js';

export class RaftLog {
  readonly unstable: Unstable;
  /** Highest index known committed (a majority durably holds it). */
  committed: Index;
  /** Highest index the host has applied; applied <= committed. */
  applied: Index;

  constructor(
    readonly storage: LogStorage,
    committed: Index,
    applied: Index,
  ) {
    this.unstable = new Unstable(storage.lastIndex() + 1);
    const floor = storage.firstIndex() - 1;
    this.committed = Math.max(committed, floor);
    this.applied = Math.max(applied, floor);
    assert(this.committed <= storage.lastIndex(), 'log: commit past the stored log');
    assert(this.applied <= this.committed, 'log: applied past committed');
  }

  firstIndex(): Index {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): Index {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** The term at `index`, or undefined when it is compacted or past the end. */
  term(index: Index): Term | undefined {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined;
    return this.unstable.maybeTerm(index) ?? this.storage.term(index);
  }

  lastTerm(): Term {
    const term = this.term(this.lastIndex());
    assert(term !== undefined, 'log: last term unknown');
    return term;
  }

  matchTerm(index: Index, term: Term): boolean {
    return this.term(index) === term;
  }

  /** §5.4.1: is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: Index, lastTerm: Term): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * §5.3 AppendEntries receiver: if our log matches (prevIndex, prevTerm), drop whatever
   * conflicts, append what is new and advance commit. Returns the last new index, or undefined
   * when the consistency check fails.
   */
  maybeAppend(
    prevIndex: Index,
    prevTerm: Term,
    commit: Index,
    entries: readonly Entry[],
  ): Index | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      if (conflict <= this.committed) {
        fail(`log: conflict at ${conflict} <= commit ${this.committed}`);
      }
      this.append(entries.slice(conflict - (prevIndex + 1)));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** Appends entries (replacing any suffix from their first index); returns the last index. */
  append(entries: readonly Entry[]): Index {
    const first = entries[0];
    if (first === undefined) return this.lastIndex();
    if (first.index - 1 < this.committed) fail(`log: append at ${first.index} rewrites commit`);
    if (first.index > this.lastIndex() + 1) fail(`log: append at ${first.index} leaves a gap`);
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /** The first entry whose term differs from ours (or that we lack), or 0 if none. */
  private findConflict(entries: readonly Entry[]): Index {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * The last index at or below `index` whose term is <= `term`, with its term (0 when
   * compacted). Lets the leader skip a whole conflicting term per round trip.
   */
  findConflictByTerm(index: Index, term: Term): { index: Index; term: Term } {
    let at = index;
    for (;;) {
      const ours = this.term(at);
      if (ours === undefined) return { index: at, term: 0 };
      if (ours <= term) return { index: at, term: ours };
      at--;
    }
  }

  commitTo(index: Index): void {
    if (index <= this.committed) return;
    if (index > this.lastIndex()) fail(`log: commit ${index} past last ${this.lastIndex()}`);
    this.committed = index;
  }

  /** §5.4.2: commit by counting replicas only for an entry of the leader's own term. */
  maybeCommit(index: Index, term: Term): boolean {
    if (index <= this.committed || this.term(index) !== term) return false;
    this.commitTo(index);
    return true;
  }

  appliedTo(index: Index): void {
    if (index < this.applied) fail(`log: applied moves back ${this.applied} -> ${index}`);
    if (index > this.committed) fail(`log: applied ${index} past commit ${this.committed}`);
    this.applied = index;
  }

  /** Entries [lo, hi) from storage and the unstable tail, cut once past `bytesMax`. */
  slice(lo: Index, hi: Index, bytesMax: number): Entry[] {
    if (lo < this.firstIndex() || hi > this.lastIndex() + 1) fail(`log: slice ${lo}..${hi}`);
    if (lo >= hi) return [];
    const offset = this.unstable.offset;
    let out: Entry[] = [];
    if (lo < offset) out = this.storage.entries(lo, Math.min(hi, offset), bytesMax);
    if (hi > offset && (out.length === 0 || lo + out.length === offset)) {
      out = out.concat(this.unstable.slice(Math.max(lo, offset), hi));
    }
    return limitBytes(out, bytesMax);
  }

  /** Committed entries not yet applied, unless a snapshot must be installed first. */
  nextCommittedEntries(bytesMax: number): Entry[] {
    if (this.unstable.snapshot !== undefined) return [];
    const lo = Math.max(this.applied + 1, this.firstIndex());
    return this.slice(lo, this.committed + 1, bytesMax);
  }

  hasNextCommittedEntries(): boolean {
    return this.unstable.snapshot === undefined && this.committed > this.applied;
  }

  /** The snapshot to send a lagging follower: a pending incoming one, or the stored one. */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Replaces the log with a snapshot from the leader (§7); the host persists it next. */
  restore(snapshot: Snapshot): void {
    assert(snapshot.meta.index > this.committed, 'log: restoring an already committed index');
    this.committed = snapshot.meta.index;
    this.unstable.restore(snapshot);
  }
}

function limitBytes(entries: Entry[], bytesMax: number): Entry[] {
  let bytes = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    assert(entry !== undefined, 'limitBytes: hole');
    bytes += entryBytes(entry);
    if (i > 0 && bytes > bytesMax) return entries.slice(0, i);
  }
  return entries;
}
