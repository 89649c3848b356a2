/**
 * ClickHouse Keeper's operator requests on a member (server/raft-operations.ts): snapshot
 * now, the log's indexes, and moving leadership by Raft's leadership transfer (thesis §3.10),
 * which only the leader can start: a follower asking to lead sends the leader a `leadership`
 * peer message, and the leader transfers to it once it has caught up.
 */
import type { Logger } from 'pino';
import type { Membership, NodeId, RaftNode } from '../consensus/index.js';
import type { Replica } from '../replication/replica.js';
import type { LogInfo, RaftOperations } from '../server/raft-operations.js';
import type { DurableLog } from './durable-log.js';
import type { PeerMessage } from './peer-messages.js';
import type { RaftDriver } from './raft-driver.js';
import type { SnapshotPolicy } from './snapshot-policy.js';

export interface OperatorHost {
  readonly selfId: number;
  readonly node: RaftNode;
  readonly replica: Replica;
  readonly storage: DurableLog;
  readonly snapshots: SnapshotPolicy;
  readonly driver: RaftDriver;
  readonly logger: Logger;
  membership(): Membership;
  send(to: NodeId, message: PeerMessage): boolean;
  /** Why this member cannot act now (stopped, failed storage), or null. */
  blocked(): string | null;
}

export class OperatorRequests implements RaftOperations {
  constructor(private readonly host: OperatorHost) {}

  logInfo(): LogInfo {
    const { storage, node, replica } = this.host;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    const snapshot = storage.snapshot().meta;
    // An empty log (everything in the snapshot) has the snapshot's term at its edges.
    const termAt = (index: number) => storage.term(index) ?? snapshot.term;
    const commit = node.status().commit;
    return {
      first_log_idx: first,
      first_log_term: first > last ? snapshot.term : termAt(first),
      last_log_idx: last,
      last_log_term: termAt(last),
      last_committed_log_idx: replica.applied,
      leader_committed_log_idx: commit,
      target_committed_log_idx: commit,
      last_snapshot_idx: snapshot.index,
    };
  }

  scheduleSnapshot(): number | null {
    const { snapshots, replica, logger } = this.host;
    if (this.host.blocked() !== null || snapshots.held() !== null) return null;
    const running = snapshots.runningIndex;
    if (running !== null) return running;
    const index = replica.applied;
    snapshots
      .snapshot(replica.tree, index, this.host.membership())
      .catch((e: unknown) => logger.error({ err: e }, 'the snapshot asked for (csnp) failed'));
    return index;
  }

  requestLeadership(): boolean {
    const { replica, selfId, logger } = this.host;
    if (this.host.blocked() !== null || !this.host.membership().voters.includes(selfId)) {
      return false;
    }
    if (replica.isLeader) return true;
    const leader = replica.leader;
    if (leader === 0) return false;
    logger.info({ leader }, 'asking the leader to hand leadership to this member (rqld)');
    return this.host.send(leader, { type: 'leadership' });
  }

  /** The leader heard `from` ask to lead: transfer to it if it is a voter. */
  onLeadershipRequest(from: NodeId): void {
    const { replica, node, driver, logger } = this.host;
    if (!replica.isLeader || !this.host.membership().voters.includes(from)) return;
    logger.info({ to: from }, 'a member asked to lead: transferring leadership');
    driver.run(() => {
      const refusal = node.transferLeadership(from);
      if (refusal !== undefined) logger.warn({ to: from, refusal }, 'no leadership transfer');
    });
  }

  yieldLeadership(): boolean {
    const { replica, node, selfId, driver, logger } = this.host;
    if (this.host.blocked() !== null) return false;
    if (!replica.isLeader) return true; // as Keeper: a follower answers as if sent
    const status = node.status();
    const others = status.membership.voters.filter((id) => id !== selfId);
    if (others.length === 0) return false;
    const heir = others.reduce((best, id) =>
      (status.match.get(id) ?? 0) > (status.match.get(best) ?? 0) ? id : best,
    );
    logger.info({ to: heir }, 'yielding leadership (ydld)');
    driver.run(() => void node.transferLeadership(heir));
    return true;
  }
}
