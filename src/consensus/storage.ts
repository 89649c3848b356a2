/**
 * The stable log as the core sees it: a narrow, synchronous, read-only interface. The host
 * writes to it (from `Ready`) and compacts it (after a tree snapshot); the core only reads.
 * Indexes outside [firstIndex() - 1, lastIndex()] are a caller bug, asserted by the core
 * before it asks, except `term` of a compacted index, which answers `undefined`.
 */
import type { Entry, HardState, Index, Membership, Snapshot, Term } from './types.js';

export interface InitialState {
  readonly hardState: HardState;
  readonly membership: Membership;
}

export interface LogStorage {
  /**
   * Hard state as last persisted, and the membership of the latest snapshot: the core starts
   * with everything after the snapshot unapplied and re-applies config entries as the host
   * replays them.
   */
  initialState(): InitialState;
  /** The first index still held as an entry; one past the latest snapshot's index. */
  firstIndex(): Index;
  /** The last persisted index (the snapshot's index when no entries follow it). */
  lastIndex(): Index;
  /** The term at `index` for firstIndex() - 1 <= index <= lastIndex(); undefined if compacted. */
  term(index: Index): Term | undefined;
  /**
   * Entries [lo, hi), firstIndex() <= lo < hi <= lastIndex() + 1, stopping once their bytes
   * pass `bytesMax` but always returning at least one.
   */
  entries(lo: Index, hi: Index, bytesMax: number): Entry[];
  /** The latest snapshot (meta.index 0 when there is none). */
  snapshot(): Snapshot;
}
