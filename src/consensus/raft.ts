/**
 * The Raft state shared by every role, and the one `step` entry: it settles the term first
 * (Raft §5.1), answers vote requests (which every role handles alike), then hands the message
 * to the current role's handler, which `becomeFollower/PreCandidate/Candidate/Leader` swap.
 * Nothing here sends, writes or sleeps: messages are queued for the host's next Ready.
 */
import { assert, fail } from '../util/assert.js';
import { applyConfChange, decodeConfChange, type ConfChange } from './config-change.js';
import { stepCandidate } from './candidate.js';
import { handleVoteRequest } from './election.js';
import { stepFollower } from './follower.js';
import { handOffLeadership, stepLeader } from './leader.js';
import * as limits from './limits.js';
import { RaftLog } from './log.js';
import type { LocalMessage, LocalOutcome, Message } from './messages.js';
import { stepLocal } from './local.js';
import type { Random } from './prng.js';
import { bcastAppend, maybeCommit, sendAppend } from './replication.js';
import type { LogStorage } from './storage.js';
import { ProgressTracker } from './tracker.js';
import {
  entryBytes,
  noNode,
  type Entry,
  type EntryKind,
  type HardState,
  type Index,
  type NodeId,
  type Role,
  type SoftState,
} from './types.js';

export interface RaftConfig {
  readonly id: NodeId;
  readonly storage: LogStorage;
  /** Seeded randomness for election timeouts. */
  readonly random: Random;
  /** Ticks without a leader before campaigning; randomized per term in [n, 2n). */
  readonly electionTicks: number;
  /** Ticks between the leader's heartbeats; well below electionTicks. */
  readonly heartbeatTicks: number;
  /** Pre-vote (thesis §9.6): probe for a majority before bumping the term. */
  readonly preVote: boolean;
  /** Check-quorum (thesis §6.2): a leader steps down if a majority went silent. */
  readonly checkQuorum: boolean;
  readonly appendBytesMax?: number;
  readonly inflightMessagesMax?: number;
  readonly inflightBytesMax?: number;
  readonly uncommittedBytesMax?: number;
}

export type StepHandler = (raft: Raft, message: Message) => void;

/** Messages whose content depends on state that must be durable before they leave. */
const sentAfterPersist: ReadonlySet<Message['type']> = new Set([
  'vote',
  'voteResponse',
  'appendResponse',
]);

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = noNode;
  lead: NodeId = noNode;
  role: Role = 'follower';
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  /** Messages the host may send at once. */
  messages: Message[] = [];
  /** Messages the host may send only once the Ready's entries and hard state are durable. */
  messagesAfterPersist: Message[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** The server a leadership transfer is handing over to, or noNode. */
  leadTransferee: NodeId = noNode;
  /** Index of the latest config entry the leader appended; one change in flight at a time. */
  pendingConfIndex: Index = 0;
  /**
   * The leader proposed its own removal or demotion: it takes no more writes, so that its
   * log never grows past what the remaining voters need to elect one of their own.
   */
  leaving = false;
  /** Bytes of entries the leader appended this term and the host has not applied. */
  uncommittedBytes = 0;
  readonly appendBytesMax: number;
  private readonly uncommittedBytesMax: number;
  private roleStep: StepHandler = stepFollower;

  constructor(readonly config: RaftConfig) {
    assert(config.id !== noNode, 'raft: id must not be 0');
    assert(config.heartbeatTicks > 0, 'raft: heartbeatTicks must be positive');
    assert(config.electionTicks > config.heartbeatTicks, 'raft: electionTicks <= heartbeatTicks');
    this.id = config.id;
    this.appendBytesMax = config.appendBytesMax ?? limits.appendBytesMax;
    this.uncommittedBytesMax = config.uncommittedBytesMax ?? limits.uncommittedBytesMax;
    const { hardState, membership } = config.storage.initialState();
    // The host restarts from its latest snapshot and replays the log after it.
    const snapshotIndex = config.storage.snapshot().meta.index;
    this.log = new RaftLog(config.storage, hardState.commit, snapshotIndex);
    this.tracker = new ProgressTracker(membership, {
      inflightMessagesMax: config.inflightMessagesMax ?? limits.inflightMessagesMax,
      inflightBytesMax: config.inflightBytesMax ?? limits.inflightBytesMax,
    });
    this.becomeFollower(hardState.term, noNode);
    this.vote = hardState.vote;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { lead: this.lead, role: this.role };
  }

  /** Only voters campaign; learners and removed servers never do. */
  promotable(): boolean {
    return this.tracker.isVoter(this.id);
  }

  /** The only clock: one tick of the host's timer. */
  tick(): void {
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.stepLocal({ type: 'hup' });
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum) this.stepLocal({ type: 'checkQuorum' });
      // A transfer that did not finish within an election timeout is abandoned (§3.10).
      if (this.role === 'leader') this.abortLeaderTransfer();
      if (this.role === 'leader' && !this.promotable()) handOffLeadership(this);
    }
    if (this.role !== 'leader') return;
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.stepLocal({ type: 'beat' });
    }
  }

  /** What the host or the clock tells this node (local.ts): never sent, never decoded. */
  stepLocal(message: LocalMessage): LocalOutcome {
    return stepLocal(this, message);
  }

  step(message: Message): void {
    if (message.to !== this.id) fail(`raft ${this.id}: message for ${message.to}`);
    if (message.term > this.term) {
      if (!this.acceptHigherTerm(message)) return;
    } else if (message.term < this.term) {
      this.answerStale(message);
      return;
    }
    if (message.type === 'vote' || message.type === 'preVote') {
      handleVoteRequest(this, message);
      return;
    }
    this.roleStep(this, message);
  }

  /** §5.1 with the thesis' guards; returns false when the message is to be ignored. */
  private acceptHigherTerm(message: Message): boolean {
    if (message.type === 'vote' || message.type === 'preVote') {
      // Leader lease (thesis §4.2.3): while we hear from a leader, refuse to disrupt it.
      const inLease =
        this.config.checkQuorum &&
        this.lead !== noNode &&
        this.electionElapsed < this.config.electionTicks;
      if (inLease && !message.transfer) return false;
    }
    // A pre-vote, or a granted pre-vote answer, carries a term nobody has entered yet.
    if (message.type === 'preVote') return true;
    if (message.type === 'preVoteResponse' && !message.reject) return true;
    const fromLeader =
      message.type === 'append' || message.type === 'heartbeat' || message.type === 'snapshot';
    this.becomeFollower(message.term, fromLeader ? message.from : noNode);
    return true;
  }

  /** A message from an older term: tell a deposed leader or pre-candidate the current term. */
  private answerStale(message: Message): void {
    const fromLeader = message.type === 'append' || message.type === 'heartbeat';
    if (fromLeader && (this.config.checkQuorum || this.config.preVote)) {
      // Without this, a partitioned old leader could never learn it was replaced, while we
      // (refusing its higher-term pre-votes) would never disrupt it.
      this.send({
        type: 'appendResponse',
        from: this.id,
        to: message.from,
        term: this.term,
        index: 0,
        reject: false,
        rejectHint: 0,
        hintTerm: 0,
      });
    } else if (message.type === 'preVote') {
      this.send({
        type: 'preVoteResponse',
        from: this.id,
        to: message.from,
        term: this.term,
        reject: true,
      });
    }
  }

  send(message: Message): void {
    const queue = sentAfterPersist.has(message.type) ? this.messagesAfterPersist : this.messages;
    assert(queue.length < limits.readyMessagesMax, 'raft: Ready not drained by the host');
    queue.push(message);
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.roleStep = stepFollower;
    this.lead = lead;
    this.role = 'follower';
  }

  becomePreCandidate(): void {
    assert(this.role !== 'leader', 'raft: leader cannot become pre-candidate');
    // Neither the term nor the vote changes: a failed pre-vote leaves no trace.
    this.tracker.votes.clear();
    this.roleStep = stepCandidate;
    this.lead = noNode;
    this.role = 'preCandidate';
  }

  becomeCandidate(): void {
    assert(this.role !== 'leader', 'raft: leader cannot become candidate');
    this.reset(this.term + 1);
    this.roleStep = stepCandidate;
    this.vote = this.id;
    this.role = 'candidate';
  }

  becomeLeader(): void {
    assert(this.role === 'candidate', `raft: ${this.role} cannot become leader`);
    this.reset(this.term);
    this.roleStep = stepLeader;
    this.lead = this.id;
    this.role = 'leader';
    this.tracker.get(this.id).becomeReplicate();
    // §5.4.2 / §8: an entry of our own term lets the older entries commit.
    const appended = this.appendEntries('normal', [Buffer.alloc(0)]);
    assert(appended !== undefined, 'raft: new leader could not append its empty entry');
    // No config change until an entry of our term is applied: earlier entries may hide one,
    // and a change before our first commit is unsafe (Ongaro, raft-dev, 2015).
    this.pendingConfIndex = appended;
  }

  private reset(term: number): void {
    if (term !== this.term) {
      assert(term > this.term, `raft: term moves back ${this.term} -> ${term}`);
      this.term = term;
      this.vote = noNode;
    }
    this.lead = noNode;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    const spread = this.config.random.int(this.config.electionTicks);
    this.randomizedElectionTimeout = this.config.electionTicks + spread;
    this.abortLeaderTransfer();
    this.tracker.votes.clear();
    this.tracker.resetProgress(this.log.lastIndex() + 1, this.id);
    this.pendingConfIndex = 0;
    this.leaving = false;
    this.uncommittedBytes = 0;
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = noNode;
  }

  /**
   * Leader: appends entries of one kind at our term; returns the last one's index, or
   * undefined when the uncommitted cap refuses them.
   */
  appendEntries(kind: EntryKind, data: readonly Buffer[]): Index | undefined {
    assert(this.role === 'leader', 'raft: only a leader appends its own entries');
    const last = this.log.lastIndex();
    const entries: Entry[] = new Array<Entry>(data.length);
    let bytes = 0;
    for (let i = 0; i < data.length; i++) {
      const entry = { term: this.term, index: last + 1 + i, kind, data: data[i] as Buffer };
      entries[i] = entry;
      bytes += entryBytes(entry);
    }
    if (!this.uncommittedRoom(bytes)) return undefined;
    this.uncommittedBytes += bytes;
    return this.log.append(entries);
  }

  /** Whether `bytes` more uncommitted entry bytes fit (one entry always fits alone). */
  uncommittedRoom(bytes: number): boolean {
    const overCap = this.uncommittedBytes + bytes > this.uncommittedBytesMax;
    return !overCap || this.uncommittedBytes === 0;
  }

  /** Committed config entries wait to be applied; a server must not campaign before. */
  hasUnappliedConfig(): boolean {
    const lo = Math.max(this.log.applied + 1, this.log.firstIndex());
    if (lo > this.log.committed) return false;
    const entries = this.log.slice(lo, this.log.committed + 1, Number.MAX_SAFE_INTEGER);
    return entries.some((entry) => entry.kind === 'config');
  }

  /** The host applied entries; a config entry changes the membership now (thesis §4.1). */
  applied(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (entry.kind === 'config') this.applyConfigEntry(decodeConfChange(entry.data));
      if (this.role === 'leader' && entry.term === this.term) {
        this.uncommittedBytes = Math.max(0, this.uncommittedBytes - entryBytes(entry));
      }
    }
  }

  private applyConfigEntry(change: ConfChange): void {
    const membership = applyConfChange(this.tracker.membership, change);
    const leading = this.role === 'leader';
    const isNew = !this.tracker.progress.has(change.nodeId);
    this.tracker.setMembership(membership, this.log.lastIndex() + 1, this.id, leading);
    if (!leading) return;
    // Reach a new member at once rather than at its next heartbeat.
    if (isNew && this.tracker.progress.has(change.nodeId)) sendAppend(this, change.nodeId);
    if (!this.tracker.isVoter(this.leadTransferee)) this.abortLeaderTransfer();
    if (!this.tracker.isVoter(this.id)) {
      // §6: a removed leader leaves once the change commits. Stepping down at once could
      // strand the rest: they may not yet know the change committed and still need our vote.
      // Instead it hands over to the most up-to-date voter, refusing writes meanwhile.
      handOffLeadership(this);
    }
    // A smaller quorum may already hold more entries.
    if (maybeCommit(this)) bcastAppend(this);
  }

  /** Entries and hard state of the last Ready are durable: the leader now counts itself. */
  persisted(): void {
    assert(this.log.unstable.entries.length === 0, 'raft: persisted with unstable entries');
    if (this.role !== 'leader') return;
    // A leader removed from the membership has no progress of its own and counts for nothing.
    this.tracker.progress.get(this.id)?.maybeUpdate(this.log.lastIndex());
    if (maybeCommit(this)) bcastAppend(this);
  }
}
