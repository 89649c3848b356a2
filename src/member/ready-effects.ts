/**
 * What a member does with the parts of each Ready that reach beyond Raft: a new leader or
 * role (routing, session renewal, the leaderless watch), committed entries (applied one at a
 * time, each followed by its effects: notifications, then the reply of the member that took
 * the request, so no reply can show a change whose notification has not gone out), a
 * leader's snapshot (a new tree), and the end of each cycle (held writes, snapshots).
 */
import type { Logger } from 'pino';
import type { Entry, RaftNode, SnapshotMeta, SoftState } from '../consensus/index.js';
import type { Applied, Replica } from '../replication/replica.js';
import type { WarrenServer } from '../server/server.js';
import { loadSnapshot } from '../tree/snapshot-codec.js';
import type { Txn } from '../tree/txn.js';
import { CONFIG_PATH } from '../tree/path.js';
import type { SnapshotPolicy } from './snapshot-policy.js';
import type { LeaderlessWatch } from './leaderless-watch.js';
import type { ApplyObserver } from './member.js';
import type { PeerDispatch } from './peer-dispatch.js';
import type { Reconfigurer } from './reconfig.js';
import type { WriteRouter } from './write-routing.js';

export interface EffectsHost {
  readonly selfId: number;
  readonly node: RaftNode;
  readonly replica: Replica;
  readonly router: WriteRouter;
  readonly dispatch: PeerDispatch;
  readonly reconfigurer: Reconfigurer;
  readonly snapshots: SnapshotPolicy;
  readonly watch: LeaderlessWatch;
  readonly logger: Logger;
  readonly observer: ApplyObserver | undefined;
  server(): WarrenServer;
  /** The ensemble's addresses may have changed (a config entry or /zookeeper/config). */
  peersChanged(): void;
  /** Leader upkeep: write zoo.cfg's configuration into /zookeeper/config if it has none. */
  maintainConfig(): void;
  /** A restore's commit entry was applied (the tree may be a new one). */
  restored(applied: Extract<Applied, { kind: 'restore' }>): void;
}

/** Whether a txn rewrote /zookeeper/config (the ensemble's addresses may have changed). */
function touchesConfig(txn: Txn): boolean {
  const body = txn.body;
  return body.type === 'ops' && body.ops.some((op) => op.path === CONFIG_PATH);
}

export class ReadyEffects {
  private configChecked = false;
  private appliedSinceCycle = 0;

  constructor(private readonly host: EffectsHost) {}

  onSoftState(soft: SoftState): void {
    const { replica, logger, router, dispatch, watch } = this.host;
    const previousLeader = replica.leader;
    const wasLeader = replica.isLeader;
    replica.onSoftState(soft);
    dispatch.leaderIs(soft.lead);
    if (soft.role !== 'leader') this.configChecked = false;
    if (soft.lead !== previousLeader) {
      logger.info({ leader: soft.lead, role: soft.role }, 'leader changed');
      router.leaderChanged();
      if (soft.lead === 0) watch.noLeader();
    }
    if (!wasLeader && replica.isLeader) this.host.server().renewAllSessions();
  }

  onCommitted(entries: readonly Entry[]): void {
    const { replica, reconfigurer } = this.host;
    this.peersChangedInBatch = false;
    replica.applyEach(entries, this.visitApplied);
    if (this.peersChangedInBatch) this.host.peersChanged();
    const last = entries[entries.length - 1];
    if (last !== undefined) reconfigurer.onApplied(last.index);
    this.appliedSinceCycle += entries.length;
  }

  private peersChangedInBatch = false;
  /** A membership entry was applied; the core adopts it only at advance() (see onCycle). */
  private membershipChanged = false;

  /** One applied entry: the observer, then its effects (notifications, then the reply). */
  private readonly visitApplied = (entry: Entry, a: Applied | null): void => {
    const { replica, router, selfId, observer } = this.host;
    observer?.applied(entry, replica.tree);
    if (a === null) return;
    if (a.kind === 'config') {
      this.peersChangedInBatch = true;
      this.membershipChanged = true;
    } else if (a.kind === 'txn') {
      if (touchesConfig(a.txn)) this.peersChangedInBatch = true;
      this.host.server().onApplied(a.txn, a.result);
      if (a.origin === selfId) {
        router.pending.complete(a.requestId, a);
      }
    } else if (a.kind === 'restore') {
      this.host.restored(a);
    } else if (a.origin === selfId) {
      router.pending.complete(a.requestId, { ok: true, barrier: true });
    }
  };

  /**
   * After each Ready: route held writes, and count applied entries towards a snapshot. Only
   * here is everything applied also in our own log (entries are applied while they are
   * being fsynced), which a snapshot at the applied index needs.
   */
  onCycle(): void {
    const { router, replica, snapshots, node } = this.host;
    if (this.membershipChanged) {
      // onCommitted ran before advance(), with the old membership: a removed member's link
      // stayed, with heartbeats queued for it, and an empty server rejoining under its id
      // would get them (commit past its log). Now the core holds the new membership.
      this.membershipChanged = false;
      this.host.peersChanged();
    }
    router.route();
    // A leader that can take writes writes zoo.cfg's configuration at once if none is there.
    if (!this.configChecked && replica.acceptingWrites()) {
      this.configChecked = true;
      this.host.maintainConfig();
    }
    if (this.appliedSinceCycle === 0) return;
    const count = this.appliedSinceCycle;
    this.appliedSinceCycle = 0;
    snapshots.onApplied(count, replica.tree, replica.applied, node.membership());
  }

  onSnapshot(meta: SnapshotMeta, records: Buffer[]): void {
    const { replica, router, logger } = this.host;
    const tree = loadSnapshot(records);
    replica.replaceTree(tree, meta.index);
    this.host.observer?.installed(meta.index, tree);
    this.host.server().replaceTree(tree);
    // Entries up to the snapshot were never applied here: their writers cannot be answered.
    router.pending.failRouted(new Error('state replaced by a snapshot'));
    this.host.peersChanged();
    logger.info({ index: meta.index, zxid: tree.lastZxid }, 'installed a snapshot');
  }
}
