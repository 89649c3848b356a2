/**
 * Leader election (Raft §5.2) with pre-vote (thesis §9.6): campaigning, and answering vote
 * requests, which every role does the same way once `step` has settled the term.
 */
import type { Raft } from './raft.js';
import type { VoteRequest } from './messages.js';
import { bcastAppend } from './replication.js';
import { noNode } from './types.js';

/** preElection probes first; transfer skips pre-vote and overrides voters' leader lease. */
export type CampaignKind = 'preElection' | 'election' | 'transfer';

export function campaign(raft: Raft, kind: CampaignKind): void {
  if (!raft.promotable()) return;
  // A committed membership change not yet applied might remove us or change the quorum.
  if (raft.hasUnappliedConfig()) return;
  const pre = kind === 'preElection';
  if (pre) raft.becomePreCandidate();
  else raft.becomeCandidate();
  raft.tracker.recordVote(raft.id, true);
  if (raft.tracker.voteResult() === 'won') {
    winElection(raft);
    return;
  }
  const lastIndex = raft.log.lastIndex();
  const lastTerm = raft.log.lastTerm();
  for (const id of raft.tracker.membership.voters) {
    if (id === raft.id) continue;
    raft.send({
      type: pre ? 'preVote' : 'vote',
      from: raft.id,
      to: id,
      // A pre-vote asks about the term we would enter, without entering it.
      term: pre ? raft.term + 1 : raft.term,
      lastIndex,
      lastTerm,
      transfer: kind === 'transfer',
    });
  }
}

/** A majority granted: a pre-candidate now runs the real election, a candidate leads. */
export function winElection(raft: Raft): void {
  if (raft.role === 'preCandidate') {
    campaign(raft, 'election');
    return;
  }
  raft.becomeLeader();
  bcastAppend(raft);
}

/** §5.2 / §5.4.1: grant at most one vote per term, and only to an up-to-date log. */
export function handleVoteRequest(raft: Raft, request: VoteRequest): void {
  const canVote =
    raft.vote === request.from ||
    (raft.vote === noNode && raft.lead === noNode) ||
    (request.type === 'preVote' && request.term > raft.term);
  const grant = canVote && raft.log.isUpToDate(request.lastIndex, request.lastTerm);
  const type = request.type === 'vote' ? 'voteResponse' : 'preVoteResponse';
  if (grant && request.type === 'vote') {
    raft.electionElapsed = 0;
    raft.vote = request.from;
  }
  raft.send({
    type,
    from: raft.id,
    to: request.from,
    // A granted pre-vote answers in the asked term, so the pre-candidate counts it.
    term: grant ? request.term : raft.term,
    reject: !grant,
  });
}
