/**
 * The Raft state as the storage layer keeps it: log entries, hard state and snapshot metadata.
 * Storage imports nothing but util, so these are its own plain types; they have the same
 * shape as the consensus core's (consensus/types.ts), and the member that joins the two
 * checks that at compile time (member/raft-log.ts).
 */

export type StoredEntryKind = 'normal' | 'config';

export interface StoredEntry {
  readonly term: number;
  readonly index: number;
  readonly kind: StoredEntryKind;
  readonly data: Buffer;
}

export interface StoredHardState {
  readonly term: number;
  readonly vote: number;
  readonly commit: number;
}

export interface StoredMembership {
  readonly voters: readonly number[];
  readonly learners: readonly number[];
}

export interface StoredSnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly membership: StoredMembership;
}
