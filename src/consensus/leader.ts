/**
 * The leader role: acting on followers' answers (Raft §5.3), and leadership transfer
 * (thesis §3.10). Proposals and clock events reach the leader through raft.ts and node.ts.
 */
import { assert } from '../util/assert.js';
import type { AppendResponse, Message } from './messages.js';
import type { Progress } from './progress.js';
import type { Raft } from './raft.js';
import { bcastAppend, maybeCommit, maybeSendAppend, sendAppend } from './replication.js';
import { noNode, type NodeId } from './types.js';

export function stepLeader(raft: Raft, message: Message): void {
  switch (message.type) {
    case 'append':
    case 'heartbeat':
    case 'snapshot':
      // §5.2 Election Safety: two leaders in one term is a bug, never an operating condition.
      assert(false, `raft ${raft.id}: second leader ${message.from} in term ${raft.term}`);
      return;
    case 'appendResponse': {
      const progress = raft.tracker.progress.get(message.from);
      if (progress !== undefined) handleAppendResponse(raft, message, progress);
      return;
    }
    case 'heartbeatResponse': {
      const progress = raft.tracker.progress.get(message.from);
      if (progress !== undefined) handleHeartbeatResponse(raft, message.from, progress);
      return;
    }
    default:
      return;
  }
}

function handleAppendResponse(raft: Raft, response: AppendResponse, progress: Progress): void {
  progress.recentActive = true;
  const from = response.from;
  if (response.reject) {
    let next = response.rejectHint;
    if (response.hintTerm > 0) {
      next = raft.log.findConflictByTerm(response.rejectHint, response.hintTerm).index;
    }
    if (progress.maybeDecrTo(response.index, next)) {
      if (progress.state === 'replicate') progress.becomeProbe();
      sendAppend(raft, from);
    }
    return;
  }
  const wasPaused = progress.isPaused();
  const probeAnswered = progress.state === 'probe' && progress.match === response.index;
  if (!progress.maybeUpdate(response.index) && !probeAnswered) return;
  switch (progress.state) {
    case 'probe':
      progress.becomeReplicate();
      break;
    case 'snapshot':
      if (progress.match + 1 >= raft.log.firstIndex()) {
        progress.becomeProbe();
        progress.becomeReplicate();
      }
      break;
    case 'replicate':
      progress.inflights.freeLE(response.index);
      break;
  }
  if (maybeCommit(raft)) bcastAppend(raft);
  else if (wasPaused) sendAppend(raft, from);
  // Pipeline: keep sending while the follower's flow allows.
  while (maybeSendAppend(raft, from, false));
  if (from === raft.leadTransferee && progress.match === raft.log.lastIndex()) {
    sendTimeoutNow(raft, from);
  }
}

function handleHeartbeatResponse(raft: Raft, from: NodeId, progress: Progress): void {
  progress.recentActive = true;
  progress.probeSent = false;
  // An append may have been lost with the pipeline full; free a slot to find out.
  if (progress.state === 'replicate' && progress.inflights.full()) progress.inflights.freeFirst();
  if (progress.match < raft.log.lastIndex() || progress.state === 'probe') sendAppend(raft, from);
}

/** Why a transfer cannot start, or undefined once it has. */
export function transferLeadership(raft: Raft, target: NodeId): string | undefined {
  if (raft.role !== 'leader') return 'not the leader';
  if (!raft.tracker.isVoter(target)) return `server ${target} is not a voter`;
  if (target === raft.id) {
    raft.abortLeaderTransfer();
    return undefined;
  }
  if (raft.leadTransferee === target) return undefined;
  raft.abortLeaderTransfer();
  // The transfer must finish within one election timeout, counted from now.
  raft.electionElapsed = 0;
  raft.leadTransferee = target;
  const progress = raft.tracker.get(target);
  if (progress.match === raft.log.lastIndex()) sendTimeoutNow(raft, target);
  else sendAppend(raft, target);
  return undefined;
}

/** A leader that is no longer a voter hands over to the voter with the longest match. */
export function handOffLeadership(raft: Raft): void {
  let target = noNode;
  let targetMatch = -1;
  for (const id of raft.tracker.membership.voters) {
    const match = raft.tracker.get(id).match;
    if (match > targetMatch) {
      target = id;
      targetMatch = match;
    }
  }
  if (target !== noNode) transferLeadership(raft, target);
}

function sendTimeoutNow(raft: Raft, to: NodeId): void {
  raft.send({ type: 'timeoutNow', from: raft.id, to, term: raft.term });
}
