/**
 * Local messages (messages.ts): what the host and the clock tell a node, stepped through the
 * role in force, as etcd's raft steps its local messages. Clock events and campaigns are the
 * same for every role; the leader alone takes proposals, transfers and transport reports; a
 * follower alone forgets its leader. A role that cannot act says why.
 */
import { encodeConfChange, refuseConfChange, decodeConfChange } from './config-change.js';
import { campaign } from './election.js';
import { transferLeadership } from './leader.js';
import type { LocalMessage, LocalOutcome } from './messages.js';
import type { Raft } from './raft.js';
import { bcastAppend, bcastHeartbeat } from './replication.js';
import { assert } from '../util/assert.js';
import { noNode, type EntryKind } from './types.js';

const done: LocalOutcome = { ok: true, index: 0 };

function refused(reason: string): LocalOutcome {
  return { ok: false, reason };
}

export function stepLocal(raft: Raft, message: LocalMessage): LocalOutcome {
  switch (message.type) {
    case 'hup':
      if (raft.role !== 'leader') campaign(raft, raft.config.preVote ? 'preElection' : 'election');
      return done;
    case 'forgetLeader':
      // Harmless if the leader is alive: its next message restores it.
      if (raft.role === 'follower') raft.lead = noNode;
      return done;
    default:
      return raft.role === 'leader' ? stepLeaderLocal(raft, message) : refused('not the leader');
  }
}

function stepLeaderLocal(raft: Raft, message: LocalMessage): LocalOutcome {
  switch (message.type) {
    case 'beat':
      bcastHeartbeat(raft);
      return done;
    case 'checkQuorum':
      // A removed leader stays until it has handed over: the voters left may not know the
      // removal committed, and may need it to catch up before one of them can win.
      if (!raft.promotable()) return done;
      if (!raft.tracker.quorumActive()) raft.becomeFollower(raft.term, noNode);
      else raft.tracker.resetRecentActive(raft.id);
      return done;
    case 'unreachable': {
      const progress = raft.tracker.progress.get(message.peer);
      if (progress?.state === 'replicate') progress.becomeProbe();
      return done;
    }
    case 'snapshotStatus': {
      const progress = raft.tracker.progress.get(message.peer);
      if (progress?.state !== 'snapshot') return done;
      if (!message.delivered) progress.pendingSnapshot = 0;
      progress.becomeProbe();
      // Wait for the follower's answer before probing again.
      progress.probeSent = message.delivered;
      return done;
    }
    case 'transferLeader': {
      const reason = transferLeadership(raft, message.target);
      return reason === undefined ? done : refused(reason);
    }
    case 'propose':
      if (message.kind === 'normal') return append(raft, 'normal', message.data);
      assert(message.data.length === 1, 'raft: one membership change at a time');
      return proposeConfChange(raft, message.data[0] as Buffer);
    default:
      return done;
  }
}

function proposeConfChange(raft: Raft, data: Buffer): LocalOutcome {
  if (raft.pendingConfIndex > raft.log.applied) {
    return refused('a membership change is still being applied');
  }
  const change = decodeConfChange(data);
  const refusal = refuseConfChange(raft.tracker.membership, change);
  if (refusal !== undefined) return refused(refusal);
  const outcome = append(raft, 'config', [encodeConfChange(change)]);
  if (!outcome.ok) return outcome;
  raft.pendingConfIndex = outcome.index;
  if (change.nodeId === raft.id && change.type !== 'addVoter') raft.leaving = true;
  return outcome;
}

/** Appends entries at our term and sends them to every follower in one go. */
function append(raft: Raft, kind: EntryKind, data: readonly Buffer[]): LocalOutcome {
  if (raft.leadTransferee !== noNode) return refused('leadership transfer in progress');
  if (raft.leaving) return refused('the leader is leaving the ensemble');
  const first = raft.log.lastIndex() + 1;
  const index = raft.appendEntries(kind, data);
  if (index === undefined) return refused('too many uncommitted entries; retry later');
  bcastAppend(raft);
  return { ok: true, index: first };
}
