/**
 * The follower role, and the receiving side of replication that a candidate falling back to
 * follower also uses: AppendEntries (§5.3), heartbeats, InstallSnapshot (§7), TimeoutNow.
 */
import { campaign } from './election.js';
import type { AppendRequest, Heartbeat, Message, SnapshotRequest } from './messages.js';
import type { Raft } from './raft.js';
import type { Index, Term } from './types.js';

export function stepFollower(raft: Raft, message: Message): void {
  switch (message.type) {
    case 'append':
      heardFromLeader(raft, message.from);
      handleAppend(raft, message);
      return;
    case 'heartbeat':
      heardFromLeader(raft, message.from);
      handleHeartbeat(raft, message);
      return;
    case 'snapshot':
      heardFromLeader(raft, message.from);
      handleSnapshot(raft, message);
      return;
    case 'timeoutNow':
      // Leadership transfer (thesis §3.10): campaign now, without pre-vote.
      campaign(raft, 'transfer');
      return;
    default:
      return;
  }
}

function heardFromLeader(raft: Raft, leader: number): void {
  raft.electionElapsed = 0;
  raft.lead = leader;
}

export function handleAppend(raft: Raft, request: AppendRequest): void {
  const log = raft.log;
  if (request.prevIndex < log.committed) {
    // Everything up to our commit already matches; say so and let the leader move on.
    respond(raft, request.from, log.committed, false);
    return;
  }
  const lastNew = log.maybeAppend(
    request.prevIndex,
    request.prevTerm,
    request.commit,
    request.entries,
  );
  if (lastNew !== undefined) {
    respond(raft, request.from, lastNew, false);
    return;
  }
  // Point the leader at the last entry that could match, skipping a whole term at once.
  const hint = log.findConflictByTerm(
    Math.min(request.prevIndex, log.lastIndex()),
    request.prevTerm,
  );
  respond(raft, request.from, request.prevIndex, true, hint.index, hint.term);
}

export function handleHeartbeat(raft: Raft, heartbeat: Heartbeat): void {
  // The leader sends min(our match, its commit), so we hold every entry up to it.
  raft.log.commitTo(heartbeat.commit);
  raft.send({ type: 'heartbeatResponse', from: raft.id, to: heartbeat.from, term: raft.term });
}

export function handleSnapshot(raft: Raft, request: SnapshotRequest): void {
  if (restoreSnapshot(raft, request)) {
    respond(raft, request.from, raft.log.lastIndex(), false);
  } else {
    respond(raft, request.from, raft.log.committed, false);
  }
}

/** Returns whether the log was replaced; a snapshot we already cover only moves commit. */
function restoreSnapshot(raft: Raft, request: SnapshotRequest): boolean {
  const meta = request.snapshot.meta;
  // A snapshot may predate our own addition; we are still a member from entries after it.
  if (meta.index <= raft.log.committed) return false;
  if (raft.log.matchTerm(meta.index, meta.term)) {
    raft.log.commitTo(meta.index);
    return false;
  }
  raft.log.restore(request.snapshot);
  raft.tracker.setMembership(meta.membership, raft.log.lastIndex() + 1, raft.id, false);
  return true;
}

function respond(
  raft: Raft,
  to: number,
  index: Index,
  reject: boolean,
  rejectHint: Index = 0,
  hintTerm: Term = 0,
): void {
  raft.send({
    type: 'appendResponse',
    from: raft.id,
    to,
    term: raft.term,
    index,
    reject,
    rejectHint,
    hintTerm,
  });
}
