/**
 * A member: what every Warren server is, alone (a standalone server is a member that is the
 * only voter) or in an ensemble. It is the client-facing server's write path, and wires the
 * parts that do each job: the Ready loop (raft-driver.ts), write routing (write-routing.ts),
 * peer messages (peer-dispatch.ts), the effects of each Ready (ready-effects.ts), reconfig,
 * the leaderless watch and snapshots. The clock, timers and randomness come from a Runtime
 * and the peers from a PeerNetwork, so the simulator runs this same member.
 *
 * Storage failures: the Ready loop holds a Ready whose persist failed. A member alone keeps
 * serving reads and refuses writes (NotReadOnly) until the disk takes writes again; a member
 * with peers sends its clients to them meanwhile, and stops for good if the failure is final.
 */
import type { Logger } from 'pino';
import type { Entry, Membership, RaftNode } from '../consensus/index.js';
import type { EnsembleServer } from '../config/config-ensemble.js';
import { formatServerLines } from '../config/config-text.js';
import { Err } from '../protocol/error-codes.js';
import type { Id, SessionId } from '../protocol/records.js';
import type { ReconfigRequest } from '../protocol/requests.js';
import type { Applied, Replica } from '../replication/replica.js';
import type { WriteInput } from '../replication/write-input.js';
import type { WarrenServer } from '../server/server.js';
import type { PathStatus, WriteDone, WritePath } from '../server/write-path.js';
import type { DataTree } from '../tree/data-tree.js';
import { CONFIG_PATH } from '../tree/path.js';
import { sleepOn, type Runtime, type Timer } from '../util/runtime.js';
import type { DurableLog } from './durable-log.js';
import type { SnapshotPolicy } from './snapshot-policy.js';
import { LeaderlessWatch } from './leaderless-watch.js';
import { noMemberEvents, type MemberEvents } from './member-events.js';
import { memberStatus } from './member-status.js';
import { PeerAddresses } from './peer-addresses.js';
import { PeerDispatch } from './peer-dispatch.js';
import { noPeers, type PeerNetwork } from './peer-network.js';
import { RaftDriver } from './raft-driver.js';
import { ReadyEffects } from './ready-effects.js';
import { Reconfigurer } from './reconfig.js';
import { SyncBatcher } from './sync-batcher.js';
import type { EnsembleTiming } from './timing.js';
import { WriteRouter } from './write-routing.js';
import type { Completion } from './pending-requests.js';
import { OnlineRestore } from './online-restore.js';
import { OperatorRequests } from './operator-requests.js';
import { raftLogFullBytes } from '../util/limits.js';

/** Watches every applied entry (the simulator's checkers); absent in production. */
export interface ApplyObserver {
  applied(entry: Entry, tree: DataTree): void;
  /** A leader's snapshot replaced the tree; it is as of `index`. */
  installed(index: number, tree: DataTree): void;
}

/** How often start-up and shutdown look at the member's role. */
const pollMs = 5;

export interface MemberOptions {
  selfId: number;
  /** The servers of zoo.cfg (addresses; the configuration until /zookeeper/config has one). */
  staticServers: readonly EnsembleServer[];
  /** No server.N lines: no peers, no /zookeeper/config, `Mode: standalone`. */
  standalone: boolean;
  reconfigEnabled: boolean;
  readOnlyModeEnabled: boolean;
  timing: EnsembleTiming;
  /** zoo.cfg tickTime: followers relay session activity every half tick. */
  tickTime: number;
  node: RaftNode;
  storage: DurableLog;
  replica: Replica;
  snapshots: SnapshotPolicy;
  logger: Logger;
  runtime: Runtime;
  observer?: ApplyObserver | undefined;
  /** Durations and leader changes, for metrics; none by default. */
  events?: MemberEvents | undefined;
  /**
   * The member stopped for good: a storage failure that cannot be retried (with peers to
   * serve instead), a diverged tree, a broken invariant. The process should exit.
   */
  onFatal(error: Error): void;
}

export class EnsembleMember implements WritePath {
  readonly driver: RaftDriver;
  readonly router: WriteRouter;
  readonly dispatch: PeerDispatch;
  readonly reconfigurer: Reconfigurer;
  readonly operations: OperatorRequests;
  /** The AdminServer's `restore` (online-restore.ts). */
  readonly restorer: OnlineRestore;
  private readonly effects: ReadyEffects;
  private readonly syncs = new SyncBatcher((done) => this.sendBarrier(done));
  private readonly watch: LeaderlessWatch;
  /** Every server address seen (zoo.cfg, then /zookeeper/config): who we may need to dial. */
  private readonly addresses: PeerAddresses;
  private server: WarrenServer | null = null;
  private peerNetwork: PeerNetwork = noPeers;
  private timers: Timer[] = [];
  private stopped = false;
  private storageFailure: Error | null = null;
  private wasMember = true;
  /** The commit index to apply before the only voter campaigns (-1: done). */
  private campaignAloneAfter = -1;

  constructor(private readonly options: MemberOptions) {
    const { selfId, logger, runtime, node, replica, storage, timing } = options;
    this.addresses = new PeerAddresses(selfId, options.staticServers);
    this.watch = this.newLeaderlessWatch();
    this.reconfigurer = this.newReconfigurer();
    const parts = { selfId, node, replica, logger, runtime, reconfigurer: this.reconfigurer };
    const events = options.events ?? noMemberEvents;
    this.driver = new RaftDriver({
      node,
      storage,
      logger,
      runtime,
      send: (message) => this.dispatch.sendRaft(message),
      onSoftState: (soft) => {
        const before = replica.leader;
        this.effects.onSoftState(soft);
        if (soft.lead !== before) events.leaderChanged(soft.lead);
      },
      onPersisted: (ms) => events.persisted(ms),
      onSnapshot: (meta, records) => this.effects.onSnapshot(meta, records),
      onCommitted: (entries) => this.effects.onCommitted(entries),
      onCycle: () => {
        this.effects.onCycle();
        this.maybeCampaignAlone();
        if (this.soleMember()) storage.forgetApplied(replica.applied);
      },
      onStorageFailure: (error, final) => this.onStorageFailure(error, final),
      onStorageRecovered: () => this.onStorageRecovered(),
      onFatal: (error) => this.onFatal(error),
    });
    this.router = new WriteRouter({
      ...parts,
      driver: this.driver,
      reconfigEnabled: options.reconfigEnabled && !options.standalone,
      requestTimeoutMs: timing.requestTimeoutMs,
      ...{ blocked: () => this.blocked(), logFull: () => this.logFull(), term: () => node.term() },
      sendPeer: (to, message) => this.dispatch.send(to, message),
      localAttachments: () => this.localAttachments(),
    });
    this.dispatch = new PeerDispatch({
      ...parts,
      driver: this.driver,
      storage,
      router: this.router,
      peers: () => this.peerNetwork,
      freshSnapshot: () =>
        this.options.snapshots.snapshot(replica.tree, replica.applied, this.membership()),
      sessions: () => this.attached().sessions,
      stopped: () => this.stopped,
      onLeadershipRequest: (from) => this.operations.onLeadershipRequest(from),
      onRestoreMessage: (from, message) => this.restorer.onPeerMessage(from, message),
    });
    this.operations = this.newOperations();
    this.restorer = this.newRestore();
    this.effects = new ReadyEffects({
      ...parts,
      router: this.router,
      dispatch: this.dispatch,
      snapshots: options.snapshots,
      watch: this.watch,
      server: () => this.attached(),
      observer: options.observer,
      peersChanged: () => {
        this.learnAddresses(this.reconfigurer.current().servers);
        this.checkStillMember();
      },
      maintainConfig: () => this.maintainConfig(),
      restored: (a) => this.restored(a),
    });
  }

  /** A snapshot taken while a restore's chunks are held would lose them at a restart. */
  private holdSnapshotsForRestores(): void {
    const { snapshots, replica } = this.options;
    snapshots.holdWhile(() =>
      replica.restores.holding ? "a restore's chunks are in the log, its commit is not" : null,
    );
  }

  /** A restore's commit entry was applied (replicated-restore.ts). */
  private restored(a: Extract<Applied, { kind: 'restore' }>): void {
    this.restorer.onApplied(a.origin, a.requestId, a.outcome);
    if (!a.outcome.ok) {
      this.options.logger.error({ index: a.index, reason: a.outcome.reason }, 'restore not done');
      return;
    }
    this.attached().replaceTree(a.outcome.tree);
    this.options.observer?.installed(a.index, a.outcome.tree);
    // The restored tree is in the log as chunks: a snapshot soon lets them go.
    this.options.snapshots.soon();
    this.options.logger.warn({ index: a.index }, 'the tree was replaced by a restored snapshot');
  }

  private newLeaderlessWatch(): LeaderlessWatch {
    const { timing, readOnlyModeEnabled, runtime, replica } = this.options;
    const grace = 2 * timing.raftTickMs * timing.electionTicks;
    return new LeaderlessWatch(grace, readOnlyModeEnabled, runtime, {
      leader: () => replica.leader,
      stopped: () => this.stopped,
      onLeaderless: () => this.onLeaderless(),
      // Read-only clients reconnect to get (or resume) a read-write session.
      onLeaderBack: (wasReadOnly) => {
        if (wasReadOnly) this.attached().endReadOnly();
      },
    });
  }

  private newOperations(): OperatorRequests {
    const { selfId, node, replica, storage, snapshots, logger } = this.options;
    return new OperatorRequests({
      ...{ selfId, node, replica, storage, snapshots, logger },
      driver: this.driver,
      membership: () => this.membership(),
      send: (to, message) => this.dispatch.send(to, message),
      blocked: () => this.blocked(),
    });
  }

  private newRestore(): OnlineRestore {
    this.holdSnapshotsForRestores();
    const { selfId, node, replica, logger, runtime, snapshots } = this.options;
    return new OnlineRestore({
      ...{ selfId, node, replica, logger, runtime, snapshots },
      driver: this.driver,
      membership: () => this.membership(),
      blocked: () => this.blocked(),
      send: (to, message) => this.dispatch.send(to, message),
    });
  }

  private newReconfigurer(): Reconfigurer {
    const { selfId, node, logger, runtime, replica, timing } = this.options;
    return new Reconfigurer({
      selfId,
      node,
      logger,
      runtime,
      reconfigEnabled: this.options.reconfigEnabled,
      staticServers: this.options.staticServers,
      joinTimeoutMs: timing.joinTimeoutMs,
      tree: () => replica.tree,
      isLeader: () => replica.acceptingWrites(),
      run: (input) => this.driver.run(input),
      submit: (input, done) => this.router.enqueue(input, done),
      isConnected: (id) => this.peerNetwork.isConnected(id),
      learnAddresses: (servers) => this.learnAddresses(servers),
    });
  }

  /** Wires the client-facing server (built around this member) and starts the timers. */
  attach(server: WarrenServer): void {
    this.server = server;
    server.onSessionActivity = (id) => this.dispatch.noteSessionActivity(id);
    server.onSessionAttached = (id, attach) => this.router.localAttached(id, attach);
  }

  /** The links to the other members (none for a server alone). */
  connect(peers: PeerNetwork): void {
    this.peerNetwork = peers;
  }

  /**
   * Starts the clock: Raft ticks, session relays, write deadlines, the leader's configuration
   * upkeep and link checks. The only voter campaigns at once: nobody else can lead.
   */
  start(): void {
    const { runtime, timing, tickTime } = this.options;
    const electionTimeoutMs = timing.raftTickMs * timing.electionTicks;
    this.timers = [
      runtime.every(timing.raftTickMs, () => this.driver.tick()),
      runtime.every(Math.max(1, Math.floor(tickTime / 2)), () => this.dispatch.relayTouches()),
      runtime.every(1000, () => this.router.pending.expire(runtime.now())),
      runtime.every(1000, () => this.maintainConfig()),
      runtime.every(timing.raftTickMs * 2, () => this.dispatch.checkLinks(electionTimeoutMs)),
    ];
    // Kick the first Ready: committed entries after the snapshot get applied (membership
    // changes among them), and only then may the only voter elect itself (onCycle).
    this.campaignAloneAfter = this.options.storage.initialState().hardState.commit;
    this.driver.run(() => undefined);
    // Nothing to apply (a new or snapshot-only log): no Ready comes, so decide now.
    this.maybeCampaignAlone();
  }

  /**
   * After each Ready: once the committed entries known at start are applied, a member that is
   * the only voter of the membership they leave campaigns at once (nobody else can lead).
   */
  private maybeCampaignAlone(): void {
    if (this.campaignAloneAfter < 0 || this.replica.applied < this.campaignAloneAfter) return;
    this.campaignAloneAfter = -1;
    if (this.soleVoter()) this.driver.run(() => this.options.node.campaign());
  }

  get replica(): Replica {
    return this.options.replica;
  }

  get alone(): boolean {
    return this.options.standalone;
  }

  private *localAttachments(): Iterable<readonly [SessionId, number]> {
    if (this.server === null) return;
    for (const s of this.server.sessions.all()) {
      if (s.connection !== null && !s.closing) yield [s.id, s.attach];
    }
  }

  private attached(): WarrenServer {
    const server = this.server;
    if (server === null) throw new Error('member: no server attached');
    return server;
  }

  // ---- WritePath ----

  get leads(): boolean {
    return this.replica.acceptingWrites();
  }

  refusal(): number | null {
    if (this.stopped) return Err.notReadOnly;
    // Alone, a failed disk still leaves reads to serve; with peers, they serve better.
    if (this.storageFailure !== null) return this.alone ? Err.notReadOnly : Err.connectionLoss;
    // A server the ensemble removed (or has not added yet) serves nobody: its state stops
    // following the leader's. ZooKeeper's removed servers shut down their quorum peer.
    if (!this.isMember()) return Err.connectionLoss;
    // A short election holds writes; a member left without a leader serves nobody, or
    // only reads (to clients that allow it) in read-only mode.
    if (this.watch.leaderless) return this.watch.readOnly ? Err.notReadOnly : Err.connectionLoss;
    return null;
  }

  readOnly(): boolean {
    return this.watch.readOnly;
  }

  submit(input: WriteInput, done?: WriteDone): void {
    // A write's completion is a WriteOutcome (only barriers complete as barriers).
    this.router.enqueue(input, done as ((c: Completion) => void) | undefined);
  }

  sync(done: (ok: boolean) => void): void {
    if (this.refusal() !== null) return done(false);
    // The only voter, leading: every write anyone was told of was applied here first.
    if (this.soleVoterLeading()) return done(true);
    this.syncs.add(done);
  }

  reconfig(req: ReconfigRequest, sessionId: SessionId, ids: readonly Id[]): Promise<number> {
    return this.router.reconfig(req, sessionId, ids);
  }

  status(): PathStatus {
    const peers = this.peerNetwork.stats();
    const status = memberStatus(this.options.selfId, this.options.node, this.replica, {
      readOnly: this.readOnly(),
      pendingWrites: this.router.pending.size,
      heldWrites: this.router.pending.heldCount,
      pendingSyncs: this.syncs.waiting,
      droppedInputs: this.driver.dropped,
      peers,
    });
    const failed = this.storageFailure === null ? 0 : 1;
    status.metrics.push(['log_failed', failed]);
    return this.alone && status.mode === 'leader' ? { ...status, mode: 'standalone' } : status;
  }

  async idle(): Promise<void> {
    await this.options.snapshots.settle();
  }

  /** Stops taking input (shutdown); pending writes fail. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) timer.cancel();
    this.timers = [];
    this.driver.stop();
    this.router.pending.failAll(new Error('server shutting down'));
  }

  /** The membership in force (applied config entries). */
  membership(): Membership {
    return this.options.node.membership();
  }

  /** This server is a voter or a learner of the membership in force. */
  isMember(): boolean {
    const { voters, learners } = this.membership();
    const self = this.options.selfId;
    return voters.includes(self) || learners.includes(self);
  }

  /** A membership change removed this server: its clients go to the members. */
  private checkStillMember(): void {
    if (this.wasMember && !this.isMember()) {
      this.options.logger.warn('this server is no longer a member of the ensemble');
      this.server?.dropClients('this server was removed from the ensemble');
    }
    this.wasMember = this.isMember();
  }

  /** The only voter, and no learners either: nobody will ask for its log entries. */
  private soleMember(): boolean {
    const { voters, learners } = this.membership();
    return learners.length === 0 && voters.length === 1 && voters[0] === this.options.selfId;
  }

  /** This member is the only voter (alone, or an ensemble shrunk to one). */
  soleVoter(): boolean {
    const { voters } = this.membership();
    return voters.length === 1 && voters[0] === this.options.selfId;
  }

  /**
   * Resolves once the entries committed at start are applied and, if that leaves this member
   * the only voter, it leads (true); or after `waitMs` (false). A standalone server serves
   * only then, as it served only after replaying its log before.
   */
  whenReady(waitMs: number): Promise<boolean> {
    const { runtime } = this.options;
    const deadline = runtime.now() + waitMs;
    const ready = () =>
      this.campaignAloneAfter < 0 && (!this.soleVoter() || this.replica.acceptingWrites());
    return new Promise((resolve) => {
      const poll = () => {
        if (ready() || this.stopped) return resolve(!this.stopped);
        if (runtime.now() >= deadline) return resolve(false);
        runtime.after(pollMs, poll);
      };
      poll();
    });
  }

  /** The leader hands over to its most caught-up voter and waits (bounded) for the change. */
  async handOffLeadership(waitMs: number): Promise<void> {
    const { node, selfId, runtime } = this.options;
    if (!this.replica.isLeader || this.stopped) return;
    const status = node.status();
    const candidates = status.membership.voters.filter((id) => id !== selfId);
    if (candidates.length === 0) return;
    const target = candidates.reduce((best, id) =>
      (status.match.get(id) ?? 0) > (status.match.get(best) ?? 0) ? id : best,
    );
    this.driver.run(() => void node.transferLeadership(target));
    const deadline = runtime.now() + waitMs;
    while (this.replica.isLeader && runtime.now() < deadline) await sleepOn(runtime, pollMs);
  }

  // ---- internals ----

  private soleVoterLeading(): boolean {
    return this.replica.acceptingWrites() && this.soleVoter();
  }

  /** Writes wait for a snapshot to compact the log (WriteRouter's host). */
  private logFull(): boolean {
    return this.options.storage.heldEntryBytes >= raftLogFullBytes;
  }

  private blocked(): string | null {
    if (this.stopped) return 'member stopped';
    if (this.storageFailure !== null) return `storage failed: ${this.storageFailure.message}`;
    return null;
  }

  private sendBarrier(done: (ok: boolean) => void): void {
    this.router.enqueue({ type: 'barrier' }, (c) => {
      if (!c.ok) this.options.logger.info({ reason: c.error.message }, 'a sync could not finish');
      done(c.ok);
    });
  }

  private onLeaderless(): void {
    this.router.pending.failAll(new Error('no leader'));
    this.attached().dropClients('no leader: this server cannot serve until one is elected');
    if (this.watch.readOnly) this.options.logger.warn('no quorum: serving reads only');
  }

  private onStorageFailure(error: Error, final: boolean): void {
    const { logger } = this.options;
    const first = this.storageFailure === null;
    this.storageFailure = error;
    this.router.pending.failAll(error);
    if (this.alone) {
      if (first || final) {
        const then = final ? 'until a restart' : 'until the disk takes writes again';
        logger.error({ err: error }, `the log failed: refusing writes ${then} (reads served)`);
      }
      return;
    }
    this.attached().dropClients('storage failed: clients go to the other members');
    if (!final) {
      if (first) logger.error({ err: error }, 'the log failed: retrying until the disk recovers');
      return;
    }
    this.stop();
    this.options.onFatal(error);
  }

  /** A broken invariant or a diverged tree: this member must not serve or vote again. */
  private onFatal(error: Error): void {
    this.options.logger.fatal({ err: error }, `this member stops: ${error.message}`);
    this.stop();
    this.server?.dropClients('the member stopped');
    this.options.onFatal(error);
  }

  private onStorageRecovered(): void {
    this.storageFailure = null;
    this.options.logger.warn('the transaction log is writable again: accepting writes');
  }

  /** Remembers addresses and dials every member or configured server but us. */
  private learnAddresses(servers: readonly EnsembleServer[]): void {
    this.addresses.learn(servers);
    const membership: Membership = this.options.node.membership();
    const current = this.reconfigurer.current().servers;
    this.peerNetwork.setPeers(this.addresses.peers(membership, current));
  }

  /**
   * Leader upkeep (every second): write zoo.cfg's configuration into /zookeeper/config the
   * first time, and finish any membership walk a previous leader left unfinished.
   */
  private maintainConfig(): void {
    if (this.stopped || this.alone || this.blocked() !== null) return;
    if (!this.replica.acceptingWrites() || this.reconfigurer.inProgress) return;
    const configNode = this.replica.tree.get(CONFIG_PATH);
    if (configNode !== undefined && (configNode.data === null || configNode.data === '')) {
      const text = formatServerLines(this.options.staticServers);
      const ids = [{ scheme: 'super', id: 'warren' }];
      this.router.enqueue({ type: 'setConfig', sessionId: 0n, ids, text }, undefined);
      return;
    }
    this.reconfigurer.reconcile().catch((e: unknown) => {
      this.options.logger.error({ err: e }, 'membership reconciliation failed');
    });
  }
}
