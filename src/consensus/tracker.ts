/**
 * The membership in force and, on the leader, a Progress per member; on a candidate, the
 * votes received. Learners get a Progress (they are replicated to) but never count toward a
 * quorum.
 */
import { fail } from '../util/assert.js';
import { Progress } from './progress.js';
import { committedIndex, voteResult, type VoteResult } from './quorum.js';
import type { Index, Membership, NodeId } from './types.js';

export interface FlowLimits {
  readonly inflightMessagesMax: number;
  readonly inflightBytesMax: number;
}

export class ProgressTracker {
  membership: Membership;
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(
    membership: Membership,
    private readonly limits: FlowLimits,
  ) {
    this.membership = membership;
  }

  isVoter(id: NodeId): boolean {
    return this.membership.voters.includes(id);
  }

  isLearner(id: NodeId): boolean {
    return this.membership.learners.includes(id);
  }

  members(): NodeId[] {
    return [...this.membership.voters, ...this.membership.learners];
  }

  get(id: NodeId): Progress {
    const progress = this.progress.get(id);
    if (progress === undefined) fail(`no progress for server ${id}`);
    return progress;
  }

  /** Fresh progress for every member (a new leader knows nothing about followers). */
  resetProgress(nextIndex: Index, self: NodeId): void {
    this.progress.clear();
    for (const id of this.members()) this.addProgress(id, nextIndex, self);
  }

  addProgress(id: NodeId, nextIndex: Index, self: NodeId): void {
    const progress = new Progress(
      nextIndex,
      this.limits.inflightMessagesMax,
      this.limits.inflightBytesMax,
    );
    progress.recentActive = id === self;
    this.progress.set(id, progress);
  }

  /** Switches to `membership`, keeping the progress of members that stay. */
  setMembership(membership: Membership, nextIndex: Index, self: NodeId, leading: boolean): void {
    this.membership = membership;
    const members = new Set(this.members());
    for (const id of [...this.progress.keys()]) if (!members.has(id)) this.progress.delete(id);
    if (!leading) return;
    for (const id of members) if (!this.progress.has(id)) this.addProgress(id, nextIndex, self);
  }

  committed(): Index {
    return committedIndex(this.membership.voters, (id) => this.progress.get(id)?.match ?? 0);
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  voteResult(): VoteResult {
    return voteResult(this.membership.voters, this.votes);
  }

  /** Check-quorum: have a majority of voters been heard from since the last check? */
  quorumActive(): boolean {
    const heard = new Map<NodeId, boolean>();
    for (const id of this.membership.voters) heard.set(id, this.get(id).recentActive);
    return voteResult(this.membership.voters, heard) === 'won';
  }

  resetRecentActive(self: NodeId): void {
    for (const [id, progress] of this.progress) progress.recentActive = id === self;
  }
}
