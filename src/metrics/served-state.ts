/**
 * What metrics and the AdminServer (admin/) read at request time: the running member and its
 * client-facing server (member/start-member.ts's MemberHandle, narrowed to what they use).
 */
import type { DurableLog } from '../member/durable-log.js';
import type { EnsembleMember } from '../member/member.js';
import type { WarrenServer } from '../server/server.js';

export interface ServedState {
  readonly server: WarrenServer;
  readonly member: EnsembleMember;
  /** The log and its newest snapshot (the AdminServer's last_snapshot). */
  readonly storage: DurableLog;
  /** Takes a snapshot now; resolves with its Raft index. */
  snapshot(): Promise<number>;
}

/** status().metrics as a map: mntr's names (without zk_) → value. */
export function memberFigures(state: ServedState): Map<string, string | number> {
  return new Map(state.member.status().metrics);
}

/** Outstanding requests over every connection, as mntr counts them. */
export function outstandingRequests(state: ServedState): number {
  let total = 0;
  for (const connection of state.server.connections) total += connection.outstanding;
  return total;
}

/** Ephemeral nodes over every session. */
export function ephemeralCount(state: ServedState): number {
  let total = 0;
  for (const paths of state.server.tree.ephemerals.values()) total += paths.size;
  return total;
}

/** ZooKeeper's node count includes the root twice (as '' and '/'); tools compare it. */
export function zooKeeperNodeCount(state: ServedState): number {
  return state.server.tree.nodeCount + 1;
}
