/**
 * The AdminServer's `restore` on a running member (ZooKeeper 3.9's restoreFromSnapshot, made
 * durable and, on an ensemble, replicated): an uploaded snapshot (what
 * `snapshot?streaming=true` and `warren backup` give) is verified whole, then becomes the
 * state of every member.
 *
 * - The only voter installs it as a Raft snapshot at the next log index, in the current term
 *   and with the current membership: it is the whole quorum, so the new state is committed
 *   the moment it is durable. The Raft store installs it as it installs a leader's snapshot
 *   on a follower, and learners receive it as any snapshot.
 * - An ensemble's leader writes it through the log (replicated-restore.ts): chunk entries,
 *   then a commit entry on which every member replaces its tree. Another member forwards the
 *   upload to the leader (restore-forwarding.ts), so any member may take the POST.
 *
 * Clients: the tree's sessions are those of the backup (fresh timeouts); every connection is
 * closed (server.replaceTree), so a client whose session the backup lacks learns it expired
 * and a client whose session it has re-registers its watches against the restored tree.
 */
import type { Logger } from 'pino';
import type { Membership, NodeId, RaftNode } from '../consensus/index.js';
import type { Replica } from '../replication/replica.js';
import type { RestoreApplied } from '../replication/restore-apply.js';
import { keepCurrentConfig } from '../replication/restore-apply.js';
import { encodeRaftSnapshot } from '../storage/raft-snapshot-files.js';
import type { DataTree } from '../tree/data-tree.js';
import { beginSnapshot } from '../tree/snapshot-codec.js';
import {
  restoreInstallMs,
  restoreLogBytesMax,
  restoreRetryMs,
  restoreTriesMax,
} from '../util/limits.js';
import type { Runtime } from '../util/runtime.js';
import type { PeerMessage } from './peer-messages.js';
import type { RaftDriver } from './raft-driver.js';
import { ReplicatedRestore } from './replicated-restore.js';
import { RestoreForwarding, type RestorePart, type RestoreReply } from './restore-forwarding.js';
import { refused, type RestoreOutcome, type RestoreRefused } from './restore-outcome.js';
import { verifyUpload } from './restore-upload.js';
import type { SnapshotPolicy } from './snapshot-policy.js';

export type { RestoreDone, RestoreOutcome, RestoreRefused } from './restore-outcome.js';

export interface RestoreHost {
  readonly selfId: number;
  readonly node: RaftNode;
  readonly replica: Replica;
  readonly driver: RaftDriver;
  readonly snapshots: SnapshotPolicy;
  readonly runtime: Runtime;
  readonly logger: Logger;
  membership(): Membership;
  /** Why this member cannot act now (stopped, failed storage), or null. */
  blocked(): string | null;
  send(to: NodeId, message: PeerMessage): boolean;
}

export class OnlineRestore {
  private running = false;
  private readonly replicated: ReplicatedRestore;
  private readonly forwarding: RestoreForwarding;

  constructor(private readonly host: RestoreHost) {
    this.replicated = new ReplicatedRestore(host);
    this.forwarding = new RestoreForwarding({
      ...host,
      restoreHere: (upload) => this.restore(upload, false),
      busy: () => (this.running ? 'a restore is already running on the leader' : null),
    });
  }

  /** Why a restore cannot run here at all, or null (checked before reading an upload). */
  refusal(): RestoreRefused | null {
    if (this.running) return refused(409, 'a restore is already running here');
    return this.cannotAct();
  }

  private cannotAct(): RestoreRefused | null {
    const { host } = this;
    const blocked = host.blocked();
    if (blocked !== null) return refused(503, `this member cannot restore: ${blocked}`);
    const { voters, learners } = host.membership();
    if (!voters.includes(host.selfId) && !learners.includes(host.selfId)) {
      return refused(409, 'this server is not a member of the ensemble');
    }
    if (this.soleVoter() ? !host.replica.acceptingWrites() : host.replica.leader === 0) {
      return refused(503, 'no leader yet; retry');
    }
    return null;
  }

  private soleVoter(): boolean {
    const { voters } = this.host.membership();
    return voters.length === 1 && voters[0] === this.host.selfId;
  }

  /** `mayForward`: false for an upload a follower forwarded here (it is not sent on again). */
  async restore(upload: Buffer, mayForward = true): Promise<RestoreOutcome> {
    const early = this.refusal();
    if (early !== null) return early;
    const alone = this.soleVoter();
    if (!alone && upload.length > restoreLogBytesMax) {
      return refused(
        413,
        `the upload is ${upload.length} bytes, over the ${restoreLogBytesMax}-byte cap of an ` +
          "ensemble's online restore (restoreLogBytesMax): restore it offline with `warren " +
          'restore` on the first member (docs/operations.md, "Backup and restore")',
      );
    }
    let checked: { tree: DataTree; backupIndex: number };
    try {
      checked = verifyUpload(upload);
    } catch (error) {
      return refused(400, (error as Error).message);
    }
    const leads = this.host.replica.isLeader;
    if (!alone && !leads && !mayForward) return refused(503, 'this member does not lead; retry');
    this.running = true;
    try {
      if (!alone && !leads) return await this.forwarding.forward(upload);
      await this.host.snapshots.settle();
      if (!alone) return await this.replicated.run(upload, checked.tree, checked.backupIndex);
      return await this.install(checked.tree, checked.backupIndex);
    } finally {
      this.running = false;
    }
  }

  /** A restore's commit entry was applied here. */
  onApplied(origin: number, restoreId: number, outcome: RestoreApplied): void {
    this.replicated.onApplied(origin, restoreId, outcome);
  }

  /** A forwarded restore's part (leader) or reply (the member that forwarded it). */
  onPeerMessage(from: NodeId, message: RestorePart | RestoreReply): void {
    if (message.type === 'restorePart') this.forwarding.onPart(from, message);
    else this.forwarding.onReply(message);
  }

  /** Hands the core the new state, retrying while writes are in flight, then waits for it. */
  private async install(tree: DataTree, backupIndex: number): Promise<RestoreOutcome> {
    let outcome: number | string = 'not tried';
    for (let tries = 0; tries < restoreTriesMax; tries++) {
      const now = this.cannotAct();
      if (now !== null) return now;
      outcome = await this.offer(tree);
      if (typeof outcome === 'number') break;
      if (!outcome.endsWith('retry')) return refused(409, outcome);
      await this.sleep(restoreRetryMs);
    }
    if (typeof outcome !== 'number') {
      return refused(503, `writes kept arriving (${outcome}); retry when the server is quieter`);
    }
    const index = outcome;
    const deadline = this.host.runtime.now() + restoreInstallMs;
    while (this.host.replica.applied < index) {
      const blocked = this.host.blocked();
      if (blocked !== null) return refused(500, `the restore did not finish: ${blocked}`);
      if (this.host.runtime.now() > deadline) {
        return refused(
          500,
          `the restored snapshot was not installed within ${restoreInstallMs} ms`,
        );
      }
      await this.sleep(10);
    }
    const installed = this.host.replica.tree;
    this.host.logger.warn(
      { index, backupIndex, nodes: installed.nodeCount, sessions: installed.sessions.size },
      'restored the tree from an uploaded snapshot (AdminServer restore)',
    );
    return {
      ok: true,
      index,
      backupIndex,
      nodes: installed.nodeCount,
      sessions: installed.sessions.size,
    };
  }

  /** Between two Readies: the snapshot at lastIndex + 1; its index, or why the core refused. */
  private offer(tree: DataTree): Promise<number | string> {
    const { node, driver, replica } = this.host;
    return new Promise((resolve) => {
      driver.run(() => {
        const index = node.lastIndex() + 1;
        const meta = { index, term: node.status().term, membership: node.membership() };
        keepCurrentConfig(tree, replica.tree);
        // Zxids go on from the log index: a client that saw a later zxid may reconnect.
        tree.lastZxid = index;
        const image = beginSnapshot(tree);
        let data: Buffer;
        try {
          data = encodeRaftSnapshot(meta, image.records);
        } finally {
          image.abandon();
        }
        const reason = node.restoreAlone({ meta, data });
        resolve(reason ?? index);
      });
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.host.runtime.after(ms, resolve));
  }
}
