/**
 * Messages between servers. Every one carries the sender's term, which `step` settles before
 * any role looks at the message (Raft §5.1: a higher term makes the receiver a follower; a
 * lower term is stale).
 */
import type { Entry, EntryKind, Index, NodeId, Snapshot, Term } from './types.js';

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
}

/** RequestVote (§5.2), or its pre-vote probe (thesis §9.6) sent at term + 1 without bumping. */
export interface VoteRequest extends Envelope {
  readonly type: 'vote' | 'preVote';
  readonly lastIndex: Index;
  readonly lastTerm: Term;
  /** Set by a leadership transfer: the voter must ignore its leader lease (thesis §3.10). */
  readonly transfer: boolean;
}

export interface VoteResponse extends Envelope {
  readonly type: 'voteResponse' | 'preVoteResponse';
  readonly reject: boolean;
}

/** AppendEntries (§5.3); an empty `entries` is a probe. */
export interface AppendRequest extends Envelope {
  readonly type: 'append';
  readonly prevIndex: Index;
  readonly prevTerm: Term;
  readonly entries: readonly Entry[];
  readonly commit: Index;
}

export interface AppendResponse extends Envelope {
  readonly type: 'appendResponse';
  /** On success, the last index now matching the leader; on reject, the rejected prevIndex. */
  readonly index: Index;
  readonly reject: boolean;
  /** On reject: where the follower's log may match, and that entry's term (0 when unknown). */
  readonly rejectHint: Index;
  readonly hintTerm: Term;
}

/** Keeps followers from campaigning and carries a commit index they are known to have. */
export interface Heartbeat extends Envelope {
  readonly type: 'heartbeat';
  readonly commit: Index;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: 'heartbeatResponse';
}

/** InstallSnapshot (§7) for a follower whose next entry was compacted away. */
export interface SnapshotRequest extends Envelope {
  readonly type: 'snapshot';
  readonly snapshot: Snapshot;
}

/** Leadership transfer (thesis §3.10): the target campaigns at once, skipping pre-vote. */
export interface TimeoutNow extends Envelope {
  readonly type: 'timeoutNow';
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse
  | SnapshotRequest
  | TimeoutNow;

export type MessageType = Message['type'];

/**
 * What the host tells its own node (etcd's local messages): stepped like messages through
 * the role in force, never sent, and never decoded from the wire (codec.ts knows only the
 * types above), so no peer can forge one.
 */
export type LocalMessage =
  /** Campaign now, as if the election timeout had passed. */
  | { readonly type: 'hup' }
  /** The leader's heartbeat tick, and the leader's periodic quorum check. */
  | { readonly type: 'beat' }
  | { readonly type: 'checkQuorum' }
  /** The host knows the leader is gone (its connection was refused). */
  | { readonly type: 'forgetLeader' }
  /** The transport could not reach `peer`. */
  | { readonly type: 'unreachable'; readonly peer: NodeId }
  /** The transport finished (or failed) sending a snapshot to `peer`. */
  | { readonly type: 'snapshotStatus'; readonly peer: NodeId; readonly delivered: boolean }
  | { readonly type: 'transferLeader'; readonly target: NodeId }
  /**
   * The only voter replaces its whole state by `snapshot` at the next index (an operator's
   * restore): safe alone, since no other voter can hold a different entry at that index.
   */
  | { readonly type: 'restoreAlone'; readonly snapshot: Snapshot }
  /** Entries to append as leader, in order (a config entry always alone). */
  | { readonly type: 'propose'; readonly kind: EntryKind; readonly data: readonly Buffer[] };

/** How a local message went: accepted (with the first index of a proposal), or why not. */
export type LocalOutcome =
  | { readonly ok: true; readonly index: Index }
  | { readonly ok: false; readonly reason: string };
