/**
 * The plain data the consensus core trades with its host: terms, indexes, log entries, hard
 * state, membership and snapshots. Nothing here does I/O; the host encodes these for disk and
 * wire however it likes.
 */

/** A server id; 0 is reserved for "nobody" (no leader, no vote). */
export type NodeId = number;
export const noNode: NodeId = 0;

/** Election term; starts at 0 and only grows. */
export type Term = number;
/** Log position; the first real entry is 1, and 0 stands for "before the log". */
export type Index = number;

/**
 * What an entry carries. `normal` data is opaque to consensus (a txn batch for the tree);
 * `config` data is an encoded `ConfChange` (config-change.ts) that the core applies itself.
 */
export type EntryKind = 'normal' | 'config';

export interface Entry {
  readonly term: Term;
  readonly index: Index;
  readonly kind: EntryKind;
  readonly data: Buffer;
}

/** Bytes an entry is charged for in byte caps (payload plus a fixed header allowance). */
export function entryBytes(entry: Entry): number {
  return entry.data.length + entryHeaderBytes;
}

/** The fixed allowance `entryBytes` adds to each payload. */
export const entryHeaderBytes = 24;

/** The state that must be durable before the messages that depend on it are sent. */
export interface HardState {
  readonly term: Term;
  readonly vote: NodeId;
  readonly commit: Index;
}

export const emptyHardState: HardState = { term: 0, vote: noNode, commit: 0 };

export function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** Who votes (voters) and who only receives the log (learners, ZooKeeper's observers). */
export interface Membership {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface SnapshotMeta {
  /** The last log index the snapshot covers, and its term. */
  readonly index: Index;
  readonly term: Term;
  /** The membership in force at `index`. */
  readonly membership: Membership;
}

/** A snapshot: the state machine's image at `meta.index`, opaque to consensus. */
export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Buffer;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state the host may want to show (4lw `srvr`, metrics); never persisted. */
export interface SoftState {
  readonly lead: NodeId;
  readonly role: Role;
}
