/**
 * The host's handle on the consensus core: feed it `tick`, `step`, `propose`; take a `Ready`;
 * do what it says (see ready.ts); call `advance`. server/ and the simulator drive this same
 * class. Every input asserts the previous Ready was advanced, so a host cannot act on stale
 * state.
 */
import { assert } from '../util/assert.js';
import { encodeConfChange, type ConfChange } from './config-change.js';
import * as limits from './limits.js';
import type { LocalMessage, LocalOutcome, Message } from './messages.js';
import { Raft, type RaftConfig } from './raft.js';
import type { Ready } from './ready.js';
import {
  entryHeaderBytes,
  noNode,
  sameHardState,
  type HardState,
  type Index,
  type Membership,
  type NodeId,
  type Role,
  type Snapshot,
  type SoftState,
  type Term,
} from './types.js';

export type ProposeResult =
  | { readonly ok: true; readonly index: Index }
  | { readonly ok: false; readonly reason: string; readonly leader: NodeId };

export interface Status {
  readonly id: NodeId;
  readonly term: Term;
  readonly vote: NodeId;
  readonly lead: NodeId;
  readonly role: Role;
  readonly commit: Index;
  readonly applied: Index;
  readonly lastIndex: Index;
  readonly membership: Membership;
  /** On the leader: each member's acknowledged index (for mntr's follower lag). */
  readonly match: ReadonlyMap<NodeId, Index>;
}

export class RaftNode {
  private readonly raft: Raft;
  private lastHardState: HardState;
  private lastSoftState: SoftState;
  private pending: Ready | undefined = undefined;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.lastHardState = this.raft.hardState();
    this.lastSoftState = this.raft.softState();
  }

  tick(): void {
    this.checkAdvanced();
    this.raft.tick();
  }

  step(message: Message): void {
    this.checkAdvanced();
    this.raft.step(message);
  }

  /**
   * Starts an election now, as if the election timeout had passed (tests; a host that knows
   * the leader is gone). Pre-vote still applies when enabled.
   */
  campaign(): void {
    this.stepLocal({ type: 'hup' });
  }

  /**
   * The host knows the leader is gone (its connection was refused): a follower drops it, so
   * that its leader lease no longer makes it refuse votes and an election can finish before
   * the election timeout. Harmless if the leader is alive: its next message restores it.
   */
  forgetLeader(): void {
    this.stepLocal({ type: 'forgetLeader' });
  }

  /**
   * Appends `data` as normal entries (one each, in order) if we lead, and sends them out
   * together; the result carries the first one's index. Otherwise says who might lead.
   */
  propose(...data: Buffer[]): ProposeResult {
    return this.proposal(this.stepLocal({ type: 'propose', kind: 'normal', data }));
  }

  /** The last index in the log: a proposal accepted now gets lastIndex() + 1. */
  lastIndex(): Index {
    return this.raft.log.lastIndex();
  }

  /**
   * The log as this node sees it, durable or not yet (a checker's view; hosts read what they
   * persist from Ready): its first index, and the term at an index (undefined outside it).
   */
  firstIndex(): Index {
    return this.raft.log.firstIndex();
  }

  termAt(index: Index): Term | undefined {
    return this.raft.log.term(index);
  }

  /**
   * The current term, role and commit index as status() has them, without building a Status
   * (the simulators' checkers read them after every event).
   */
  term(): Term {
    return this.raft.term;
  }

  role(): Role {
    return this.raft.role;
  }

  committed(): Index {
    return this.raft.log.committed;
  }

  /**
   * Why a proposal of `bytes` payload bytes would be refused now (undefined: it would be
   * accepted). The host prepares a txn with zxid lastIndex() + 1 only after asking.
   */
  proposalRefusal(bytes: number): string | undefined {
    const raft = this.raft;
    if (raft.role !== 'leader') return 'not the leader';
    if (raft.leadTransferee !== noNode) return 'leadership transfer in progress';
    if (raft.leaving) return 'the leader is leaving the ensemble';
    if (!raft.uncommittedRoom(bytes + entryHeaderBytes))
      return 'too many uncommitted entries; retry later';
    return undefined;
  }

  /** Proposes a one-server membership change (thesis §4.1); one may be in flight at a time. */
  proposeConfChange(change: ConfChange): ProposeResult {
    const data = [encodeConfChange(change)];
    return this.proposal(this.stepLocal({ type: 'propose', kind: 'config', data }));
  }

  /**
   * The only voter replaces its state by `snapshot` (data: the snapshot file's bytes) at
   * lastIndex() + 1; the next Ready carries it to be installed. Undefined if accepted.
   */
  restoreAlone(snapshot: Snapshot): string | undefined {
    const outcome = this.stepLocal({ type: 'restoreAlone', snapshot });
    return outcome.ok ? undefined : outcome.reason;
  }

  /** Hands leadership to `target` (graceful shutdown, rolling restart); undefined if begun. */
  transferLeadership(target: NodeId): string | undefined {
    const outcome = this.stepLocal({ type: 'transferLeader', target });
    return outcome.ok ? undefined : outcome.reason;
  }

  /** The transport could not reach `id`: stop streaming to it and probe instead. */
  reportUnreachable(id: NodeId): void {
    this.stepLocal({ type: 'unreachable', peer: id });
  }

  /** The transport finished (or failed) sending a snapshot to `id`. */
  reportSnapshot(id: NodeId, delivered: boolean): void {
    this.stepLocal({ type: 'snapshotStatus', peer: id, delivered });
  }

  /** Every host input but tick and peer messages goes through here, and on to the role. */
  private stepLocal(message: LocalMessage): LocalOutcome {
    this.checkAdvanced();
    return this.raft.stepLocal(message);
  }

  private proposal(outcome: LocalOutcome): ProposeResult {
    if (outcome.ok) return { ok: true, index: outcome.index };
    return { ok: false, reason: outcome.reason, leader: this.raft.lead };
  }

  hasReady(): boolean {
    const raft = this.raft;
    const unstable = raft.log.unstable;
    return (
      !sameSoftState(raft.softState(), this.lastSoftState) ||
      !sameHardState(raft.hardState(), this.lastHardState) ||
      unstable.entries.length > 0 ||
      unstable.snapshot !== undefined ||
      raft.messages.length > 0 ||
      raft.messagesAfterPersist.length > 0 ||
      raft.log.hasNextCommittedEntries()
    );
  }

  /**
   * Whether the pending Ready asks for nothing durable: no entries, no snapshot, no message
   * that must wait for a persist, no new term or vote (a commit index alone is recoverable),
   * and no membership change to apply (its commit must be made durable first).
   * Such a Ready can be acted on at once; it is how a leader applies what its own fsync
   * just committed before it takes new input.
   */
  readyNeedsNoPersist(): boolean {
    const raft = this.raft;
    const hard = raft.hardState();
    const last = this.lastHardState;
    return (
      raft.log.unstable.entries.length === 0 &&
      raft.log.unstable.snapshot === undefined &&
      raft.messagesAfterPersist.length === 0 &&
      hard.term === last.term &&
      hard.vote === last.vote &&
      !raft.hasUnappliedConfig()
    );
  }

  ready(): Ready {
    this.checkAdvanced();
    const raft = this.raft;
    const hardState = raft.hardState();
    const softState = raft.softState();
    const ready: Ready = {
      softState: sameSoftState(softState, this.lastSoftState) ? undefined : softState,
      hardState: sameHardState(hardState, this.lastHardState) ? undefined : hardState,
      entries: [...raft.log.unstable.entries],
      snapshot: raft.log.unstable.snapshot,
      committedEntries: raft.log.nextCommittedEntries(limits.applyBytesMax),
      messages: raft.messages,
      messagesAfterPersist: raft.messagesAfterPersist,
    };
    raft.messages = [];
    raft.messagesAfterPersist = [];
    this.pending = ready;
    return ready;
  }

  /** The host did everything the last Ready asked. */
  advance(): void {
    const ready = this.pending;
    assert(ready !== undefined, 'advance() without ready()');
    this.pending = undefined;
    const log = this.raft.log;
    if (ready.hardState !== undefined) this.lastHardState = ready.hardState;
    if (ready.softState !== undefined) this.lastSoftState = ready.softState;
    const last = ready.entries[ready.entries.length - 1];
    if (last !== undefined) log.unstable.stableTo(last.index, last.term);
    if (ready.snapshot !== undefined) {
      log.unstable.stableSnapshotTo(ready.snapshot.meta.index);
      log.appliedTo(ready.snapshot.meta.index);
    }
    const lastApplied = ready.committedEntries[ready.committedEntries.length - 1];
    if (lastApplied !== undefined) log.appliedTo(lastApplied.index);
    this.raft.applied(ready.committedEntries);
    this.raft.persisted();
  }

  /** The membership in force; cheaper than status() for the per-request checks. */
  membership(): Membership {
    return this.raft.tracker.membership;
  }

  status(): Status {
    const raft = this.raft;
    let match: ReadonlyMap<NodeId, Index> = noMatch;
    if (raft.role === 'leader') {
      const leaderMatch = new Map<NodeId, Index>();
      for (const [id, progress] of raft.tracker.progress) leaderMatch.set(id, progress.match);
      match = leaderMatch;
    }
    return {
      id: raft.id,
      term: raft.term,
      vote: raft.vote,
      lead: raft.lead,
      role: raft.role,
      commit: raft.log.committed,
      applied: raft.log.applied,
      lastIndex: raft.log.lastIndex(),
      membership: raft.tracker.membership,
      match,
    };
  }

  private checkAdvanced(): void {
    assert(this.pending === undefined, 'call advance() before feeding the node more input');
  }
}

/** A follower tracks no progress; status() is polled often, so its empty map is shared. */
const noMatch: ReadonlyMap<NodeId, Index> = new Map();

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.lead === b.lead && a.role === b.role;
}
