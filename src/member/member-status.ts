/**
 * What srvr/stat/mntr say about an ensemble member: its mode (leader, follower, observer, as
 * ZooKeeper names them) and, on the leader, each follower's lag in entries.
 */
import type { RaftNode } from '../consensus/index.js';
import type { Replica } from '../replication/replica.js';
import type { PathStatus } from '../server/write-path.js';

export interface MemberCounters {
  readOnly: boolean;
  pendingWrites: number;
  heldWrites: number;
  pendingSyncs: number;
  droppedInputs: number;
  peers: Map<number, { connected: boolean; queuedBytes: number; dropped: number }>;
}

export function memberStatus(
  selfId: number,
  node: RaftNode,
  replica: Replica,
  counters: MemberCounters,
): PathStatus {
  const status = node.status();
  const observer = status.membership.learners.includes(selfId);
  const mode = counters.readOnly
    ? 'read-only'
    : replica.isLeader
      ? 'leader'
      : observer
        ? 'observer'
        : 'follower';
  const metrics: [string, string | number][] = [
    ['server_id', selfId],
    ['leader_id', status.lead],
    ['raft_term', status.term],
    ['raft_commit_index', status.commit],
    ['raft_applied_index', status.applied],
    ['raft_last_index', status.lastIndex],
    ['pending_writes', counters.pendingWrites],
    ['held_writes', counters.heldWrites],
    ['pending_syncs', counters.pendingSyncs],
    ['dropped_peer_inputs', counters.droppedInputs],
  ];
  if (replica.isLeader) {
    const { voters, learners } = status.membership;
    const others = [...voters, ...learners].filter((id) => id !== selfId);
    const synced = (id: number) => status.lastIndex - (status.match.get(id) ?? 0) <= 1000;
    metrics.push(
      ['learners', others.length],
      ['synced_followers', voters.filter((id) => id !== selfId && synced(id)).length],
      ['synced_non_voting_followers', learners.filter(synced).length],
    );
    for (const id of others) {
      metrics.push([`peer_${id}_lag`, status.lastIndex - (status.match.get(id) ?? 0)]);
    }
  }
  for (const [id, peer] of counters.peers) {
    metrics.push([`peer_${id}_connected`, peer.connected ? 1 : 0]);
    metrics.push([`peer_${id}_queued_bytes`, peer.queuedBytes]);
  }
  return { mode, metrics };
}
