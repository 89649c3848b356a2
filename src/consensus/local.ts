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
import { noNode, type EntryKind, type Membership, type Snapshot } from './types.js';

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
    case 'restoreAlone': {
      const reason = restoreAlone(raft, message.snapshot);
      return reason === undefined
        ? { ok: true, index: message.snapshot.meta.index }
        : refused(reason);
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

/**
 * The only voter takes `snapshot` as its state at lastIndex + 1, in its own term, with its
 * own membership: committed at once (it is the whole quorum) and persisted by the next Ready
 * like a leader's snapshot on a follower. Learners get it as they would any snapshot. Refused
 * with anything in flight, so no accepted proposal is lost.
 */
function restoreAlone(raft: Raft, snapshot: Snapshot): string | undefined {
  const { voters } = raft.tracker.membership;
  if (voters.length !== 1 || voters[0] !== raft.id) return 'this member is not the only voter';
  if (raft.leadTransferee !== noNode || raft.leaving) return 'leadership is being handed over';
  const log = raft.log;
  const last = log.lastIndex();
  if (log.committed !== last || log.applied !== last || log.unstable.entries.length > 0) {
    return 'writes are in flight; retry';
  }
  if (log.unstable.snapshot !== undefined) return 'a snapshot is being installed; retry';
  if (raft.pendingConfIndex > log.applied) return 'a membership change is being applied';
  const { meta } = snapshot;
  if (meta.index !== last + 1 || meta.term !== raft.term) {
    return `the snapshot must be at index ${last + 1}, term ${raft.term}`;
  }
  if (!sameMembership(meta.membership, raft.tracker.membership)) {
    return 'the snapshot must carry the current membership';
  }
  log.restore(snapshot);
  raft.uncommittedBytes = 0;
  bcastAppend(raft); // learners find the log behind them gone: they are sent the snapshot
  return undefined;
}

function sameMembership(a: Membership, b: Membership): boolean {
  const same = (x: readonly number[], y: readonly number[]) =>
    x.length === y.length && x.every((id, i) => id === y[i]);
  return same(a.voters, b.voters) && same(a.learners, b.learners);
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
