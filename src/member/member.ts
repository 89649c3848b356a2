/**
 * An ensemble member's write path: the glue between the client-facing server, the Raft
 * driver, the replica (tree + log rules) and the peer transport.
 *
 * - A write from a client becomes a pending request. The leader proposes it itself; a
 *   follower forwards it to the leader. Either way the server that took it answers when it
 *   applies the entry (matched by origin and request id), so a session's replies stay in
 *   order and a read after a write sees it.
 * - A leader change fails the routed writes (outcome unknown, as in ZooKeeper); with no
 *   leader at all the member drops its clients and refuses new ones until one is elected.
 * - Sessions: every member relays which sessions it heard from; only the leader expires.
 */
import type { Logger } from 'pino';
import type { Entry, Message, RaftNode, SnapshotMeta, SoftState } from '../consensus/index.js';
import { Err } from '../protocol/error-codes.js';

import type { Replica } from '../replication/replica.js';
import type { WriteInput } from '../replication/write-input.js';
import type { WarrenServer } from '../server/server.js';
import type { PathStatus, WriteDone, WriteOutcome, WritePath } from '../server/write-path.js';
import { loadSnapshot } from '../tree/snapshot-codec.js';
import { heldWritesMax } from '../util/limits.js';
import type { EnsembleSnapshots } from './ensemble-snapshots.js';
import { memberStatus } from './member-status.js';
import { PendingRequests, type Completion } from './pending-requests.js';
import { decodePeerMessage, encodePeerMessage, type PeerMessage } from './peer-messages.js';
import type { PeerTransport } from '../peer/peer-transport.js';
import { RaftDriver } from './raft-driver.js';
import type { DurableLog } from '../member/durable-log.js';
import { SyncBatcher } from './sync-batcher.js';
import { SessionRelay } from './session-relay.js';
import { PeerAddresses } from './peer-addresses.js';
import { LinkHealth } from './link-health.js';
import { LeaderlessWatch } from './leaderless-watch.js';
import { formatServerLines } from '../config/config-text.js';
import { Reconfigurer } from './reconfig.js';
import type { EnsembleServer } from '../config/config-ensemble.js';
import type { Id, SessionId } from '../protocol/records.js';
import type { ReconfigRequest } from '../protocol/requests.js';
import type { Txn } from '../tree/txn.js';
import { CONFIG_PATH } from '../tree/path.js';

/** Whether a txn rewrote /zookeeper/config (the ensemble's addresses may have changed). */
function touchesConfig(txn: Txn): boolean {
  const body = txn.body;
  return body.type === 'ops' && body.ops.some((op) => op.path === CONFIG_PATH);
}

export interface MemberOptions {
  selfId: number;
  /** The servers of zoo.cfg (addresses; the configuration until /zookeeper/config has one). */
  staticServers: readonly EnsembleServer[];
  reconfigEnabled: boolean;
  /** How long a joining server may take to connect before a reconfig gives up. */
  joinTimeoutMs: number;
  /** How long without a leader before the member drops its clients. */
  leaderlessGraceMs: number;
  readOnlyModeEnabled: boolean;
  node: RaftNode;
  storage: DurableLog;
  replica: Replica;
  snapshots: EnsembleSnapshots;
  logger: Logger;
  /** How long a write may wait for its entry to apply before its client is cut off. */
  requestTimeoutMs: number;
  onFatal(error: Error): void;
}

export class EnsembleMember implements WritePath {
  readonly pending = new PendingRequests();
  readonly driver: RaftDriver;
  private readonly syncs = new SyncBatcher((done) => this.sendBarrier(done));
  private server!: WarrenServer;
  private transport!: PeerTransport;
  /** Forwarded writes that reached us while we lead but have not caught up yet. */
  private remoteHeld: { from: number; requestId: number; input: WriteInput }[] = [];
  private readonly relay = new SessionRelay();
  private stopped = false;
  private readonly badPeers = new Set<number>();
  /** Every server address seen (zoo.cfg, then /zookeeper/config): who we may need to dial. */
  private readonly addresses: PeerAddresses;
  private readonly links: LinkHealth;
  private readonly watch: LeaderlessWatch;
  private lastKnownLeader = 0;
  private configChecked = false;
  private appliedSinceCycle = 0;
  readonly reconfigurer: Reconfigurer;
  /** Reconfigs forwarded to the leader, by request id. */
  private readonly reconfigs = new Map<number, (err: number) => void>();
  private nextReconfigId = 1;

  constructor(private readonly options: MemberOptions) {
    this.addresses = new PeerAddresses(options.selfId, options.staticServers);
    this.links = new LinkHealth(options.logger);
    this.watch = new LeaderlessWatch(options.leaderlessGraceMs, options.readOnlyModeEnabled, {
      leader: () => this.replica.leader,
      stopped: () => this.stopped,
      onLeaderless: () => {
        this.pending.failAll(new Error('no leader'));
        this.server.dropClients('no leader: this server cannot serve until one is elected');
        if (this.watch.readOnly) this.options.logger.warn('no quorum: serving reads only');
      },
      // Read-only clients reconnect to get (or resume) a read-write session.
      onLeaderBack: (wasReadOnly) => {
        if (wasReadOnly) this.server.endReadOnly();
      },
    });
    this.reconfigurer = new Reconfigurer({
      selfId: options.selfId,
      node: options.node,
      logger: options.logger,
      reconfigEnabled: options.reconfigEnabled,
      staticServers: options.staticServers,
      joinTimeoutMs: options.joinTimeoutMs,
      tree: () => this.replica.tree,
      isLeader: () => this.replica.acceptingWrites(),
      run: (input) => this.driver.run(input),
      submit: (input, done) => this.enqueue(input, done),
      isConnected: (id) => this.transport.isConnected(id),
      learnAddresses: (servers) => this.learnAddresses(servers),
    });
    this.driver = new RaftDriver({
      node: options.node,
      storage: options.storage,
      logger: options.logger,
      send: (message) => this.sendRaft(message),
      onSoftState: (soft) => this.onSoftState(soft),
      onSnapshot: (meta, records) => this.onSnapshot(meta, records),
      onCommitted: (entries) => this.onCommitted(entries),
      onCycle: () => this.onCycle(),
      onFatal: (error) => this.fatal(error),
    });
  }

  /** Wires the server and the transport (they are built around this member). */
  attach(server: WarrenServer, transport: PeerTransport): void {
    this.server = server;
    this.transport = transport;
    server.onSessionActivity = (id) => {
      if (!this.options.replica.isLeader) this.relay.note(id);
    };
  }

  get replica(): Replica {
    return this.options.replica;
  }

  // ---- WritePath ----

  get leads(): boolean {
    return this.replica.acceptingWrites();
  }

  refusal(): number | null {
    if (this.stopped) return Err.notReadOnly;
    // A short election holds writes; a member left without a leader serves nobody, or
    // only reads (to clients that allow it) in read-only mode.
    if (this.watch.leaderless) return this.watch.readOnly ? Err.notReadOnly : Err.connectionLoss;
    return null;
  }

  readOnly(): boolean {
    return this.watch.readOnly;
  }

  submit(input: WriteInput, done?: WriteDone): void {
    const callback = done === undefined ? undefined : (c: Completion) => done(c as WriteOutcome);
    this.enqueue(input, callback);
  }

  sync(done: (ok: boolean) => void): void {
    if (this.refusal() !== null) return done(false);
    this.syncs.add(done);
  }

  /** A client's reconfig: run by the leader; `done` gets the error code (0 = applied). */
  reconfig(req: ReconfigRequest, sessionId: SessionId, ids: readonly Id[]) {
    return new Promise<number>((resolve) => {
      if (!this.options.reconfigEnabled) return resolve(Err.reconfigDisabled);
      const leader = this.replica.leader;
      if (this.replica.isLeader) {
        this.reconfigurer.reconfig(req, sessionId, ids).then(resolve, (e: unknown) => {
          this.options.logger.error({ err: e }, 'reconfig failed');
          resolve(Err.runtimeInconsistency);
        });
        return;
      }
      if (leader === 0) return resolve(Err.connectionLoss);
      const requestId = this.nextReconfigId++;
      this.reconfigs.set(requestId, resolve);
      const message = {
        type: 'reconfig' as const,
        requestId,
        sessionId,
        ids: [...ids],
        request: req,
      };
      if (!this.sendPeer(leader, message)) {
        this.reconfigs.delete(requestId);
        resolve(Err.connectionLoss);
      }
    });
  }

  status(): PathStatus {
    return memberStatus(this.options.selfId, this.options.node, this.replica, {
      readOnly: this.readOnly(),
      pendingWrites: this.pending.size,
      heldWrites: this.pending.heldCount,
      pendingSyncs: this.syncs.waiting,
      droppedInputs: this.driver.dropped,
      peers: this.transport.stats(),
    });
  }

  async idle(): Promise<void> {
    await this.options.snapshots.settle();
  }

  // ---- routing ----

  private enqueue(input: WriteInput, done: ((c: Completion) => void) | undefined): void {
    if (this.stopped) return done?.({ ok: false, error: new Error('member stopped') });
    const deadline = Date.now() + this.options.requestTimeoutMs;
    const id = this.pending.add(input, done, deadline);
    if (id === undefined) {
      return done?.({ ok: false, error: new Error('too many writes waiting for a leader') });
    }
    this.route();
  }

  private sendBarrier(done: (ok: boolean) => void): void {
    this.enqueue({ type: 'barrier' }, (c) => {
      if (!c.ok) this.options.logger.info({ reason: c.error.message }, 'a sync could not finish');
      done(c.ok);
    });
  }

  /** Sends held writes to the leader, or proposes them if we lead and have caught up. */
  private route(): void {
    const replica = this.replica;
    if (replica.isLeader) {
      if (!replica.acceptingWrites()) return;
      const remote = this.remoteHeld;
      this.remoteHeld = [];
      for (const r of remote) this.proposeRemote(r.from, r.requestId, r.input);
      if (this.pending.heldCount === 0) return;
      const held = this.pending.takeHeld();
      const self = this.options.selfId;
      this.driver.run(() => {
        // By now we may have stopped accepting (a leadership transfer began): those wait.
        const again: number[] = [];
        for (const { id, input } of held) {
          const outcome = replica.propose(input, self, id, Date.now());
          if (outcome.ok) continue;
          if (outcome.retryable) again.push(id);
          else this.pending.fail(id, new Error(outcome.reason));
        }
        if (again.length > 0) this.pending.rehold(again);
      });
      return;
    }
    const leader = replica.leader;
    if (leader === 0 || this.pending.heldCount === 0) return;
    for (const { id, input } of this.pending.takeHeld()) {
      const sent = this.sendPeer(leader, { type: 'forward', requestId: id, input });
      if (!sent) this.pending.fail(id, new Error('could not reach the leader'));
    }
  }

  private proposeRemote(from: number, requestId: number, input: WriteInput): void {
    this.driver.run(() => {
      const outcome = this.replica.propose(input, from, requestId, Date.now());
      if (outcome.ok) return;
      // Still leading but not accepting for now (catching up, handing over): keep it.
      if (outcome.retryable && this.replica.isLeader && this.remoteHeld.length < heldWritesMax) {
        this.remoteHeld.push({ from, requestId, input });
        return;
      }
      this.sendPeer(from, { type: 'refused', requestId, reason: outcome.reason });
    });
  }

  // ---- peers ----

  onPeerMessage(from: number, payload: Buffer): void {
    if (this.stopped) return;
    this.links.heard(from, Date.now());
    let message: PeerMessage;
    try {
      message = decodePeerMessage(payload);
    } catch (e) {
      if (!this.badPeers.has(from)) {
        this.badPeers.add(from);
        this.options.logger.warn({ from, err: e }, 'dropping a malformed message from a peer');
      }
      return;
    }
    switch (message.type) {
      case 'raft':
        // A peer speaks only for itself, and only to us.
        if (message.message.to !== this.options.selfId || message.message.from !== from) return;
        return this.driver.run(() => this.options.node.step(message.message), true);
      case 'forward':
        return this.onForward(from, message.requestId, message.input);
      case 'refused':
        return this.pending.fail(message.requestId, new Error(`leader: ${message.reason}`));
      case 'touch':
        return this.onTouch(message.sessionIds);
      case 'reconfig':
        return this.onForwardedReconfig(from, message);
      case 'reconfigResult': {
        const done = this.reconfigs.get(message.requestId);
        this.reconfigs.delete(message.requestId);
        return done?.(message.err);
      }
    }
  }

  private onForwardedReconfig(
    from: number,
    message: Extract<PeerMessage, { type: 'reconfig' }>,
  ): void {
    const { requestId, request, sessionId, ids } = message;
    const reply = (err: number) => this.sendPeer(from, { type: 'reconfigResult', requestId, err });
    if (!this.replica.isLeader) return void reply(Err.connectionLoss);
    this.reconfigurer
      .reconfig(request, sessionId, ids)
      .then(reply, () => reply(Err.runtimeInconsistency));
  }

  /** Remembers addresses and dials every member or configured server but us. */
  private learnAddresses(servers: readonly EnsembleServer[]): void {
    this.addresses.learn(servers);
    const membership = this.options.node.status().membership;
    this.transport.setPeers(this.addresses.peers(membership, this.reconfigurer.current().servers));
  }

  /**
   * Leader upkeep (every second): write zoo.cfg's configuration into /zookeeper/config the
   * first time, and finish any membership walk a previous leader left unfinished.
   */
  maintainConfig(): void {
    if (this.stopped || !this.replica.acceptingWrites() || this.reconfigurer.inProgress) return;
    const configNode = this.replica.tree.get(CONFIG_PATH);
    if (configNode !== undefined && (configNode.data === null || configNode.data === '')) {
      const text = formatServerLines(this.options.staticServers);
      const ids = [{ scheme: 'super', id: 'warren' }];
      this.enqueue({ type: 'setConfig', sessionId: 0n, ids, text }, undefined);
      return;
    }
    this.reconfigurer.reconcile().catch((e: unknown) => {
      this.options.logger.error({ err: e }, 'membership reconciliation failed');
    });
  }

  private onForward(from: number, requestId: number, input: WriteInput): void {
    const replica = this.replica;
    if (replica.isLeader && !replica.acceptingWrites()) {
      if (this.remoteHeld.length < heldWritesMax) {
        this.remoteHeld.push({ from, requestId, input });
        return;
      }
    }
    this.proposeRemote(from, requestId, input);
  }

  private onTouch(ids: readonly SessionId[]): void {
    if (this.replica.isLeader) SessionRelay.renew(this.server.sessions, ids, Date.now());
  }

  /** Followers: tell the leader which sessions were active (every half tick). */
  relayTouches(): void {
    const leader = this.replica.leader;
    if (leader === 0 || this.replica.isLeader) return;
    for (const sessionIds of this.relay.take())
      this.sendPeer(leader, { type: 'touch', sessionIds });
  }

  /** The link to `id` broke. If it was our leader and stays down, elect without waiting. */
  onUnreachable(id: number): void {
    if (this.stopped) return;
    this.driver.run(() => this.options.node.reportUnreachable(id), true);
    if (id !== this.replica.leader || this.replica.isLeader) return;
    // Writes forwarded on the broken link may be lost while later ones get through on the
    // next: fail them now (outcome unknown), so no reply ever overtakes an earlier one.
    this.pending.failRouted(new Error('lost the link to the leader'));
    const delay = 50 + Math.floor(Math.random() * 100);
    setTimeout(() => {
      if (this.stopped || this.transport.isConnected(id) || this.replica.leader !== id) return;
      this.options.logger.info({ leader: id }, 'lost the link to the leader; starting an election');
      this.driver.run(() => {
        this.options.node.forgetLeader();
        this.options.node.campaign();
      });
    }, delay).unref();
  }

  private sendPeer(to: number, message: PeerMessage): boolean {
    return this.transport.send(to, encodePeerMessage(message));
  }

  private sendRaft(message: Message): void {
    if (message.type === 'snapshot') return this.sendSnapshot(message);
    if (!this.sendPeer(message.to, { type: 'raft', message })) {
      const to = message.to;
      this.driver.run(() => this.options.node.reportUnreachable(to), true);
    }
  }

  /** Snapshots travel as the snapshot file itself, read when needed and sent in chunks. */
  private sendSnapshot(message: Extract<Message, { type: 'snapshot' }>): void {
    const { storage, node, logger } = this.options;
    storage.snapshotFile().then(
      (file) => {
        if (file === null) return this.driver.run(() => node.reportSnapshot(message.to, false));
        const meta = storage.snapshotFileMeta(file);
        const full = { ...message, snapshot: { meta, data: file } };
        const sent = this.sendPeer(message.to, { type: 'raft', message: full });
        logger.info(
          { to: message.to, index: meta.index, bytes: file.length, sent },
          'snapshot sent',
        );
        this.driver.run(() => node.reportSnapshot(message.to, sent));
      },
      (e: unknown) => {
        logger.error({ err: e }, 'could not read the snapshot for a lagging follower');
        this.driver.run(() => node.reportSnapshot(message.to, false));
      },
    );
  }

  // ---- Ready effects ----

  private onSoftState(soft: SoftState): void {
    const replica = this.replica;
    const previousLeader = replica.leader;
    const wasLeader = replica.isLeader;
    replica.onSoftState(soft);
    if (soft.lead !== 0) this.lastKnownLeader = soft.lead;
    if (soft.role !== 'leader') this.configChecked = false;
    if (soft.lead !== previousLeader) {
      this.options.logger.info({ leader: soft.lead, role: soft.role }, 'leader changed');
      this.pending.failRouted(new Error('the leader changed'));
      this.remoteHeld = [];
      if (soft.lead === 0) this.watch.noLeader();
    }
    if (!wasLeader && replica.isLeader) this.server.renewAllSessions();
  }

  private onCommitted(entries: readonly Entry[]): void {
    const self = this.options.selfId;
    const applied = this.replica.apply(entries);
    let peersChanged = false;
    for (const a of applied) {
      if (a.kind === 'config') peersChanged = true;
      if (a.kind === 'txn') {
        if (touchesConfig(a.txn)) peersChanged = true;
        this.server.onApplied(a.txn, a.result);
        if (a.origin === self) {
          this.pending.complete(a.requestId, { ok: true, txn: a.txn, result: a.result });
        }
      } else if (a.kind === 'barrier') {
        if (a.origin === self) this.pending.complete(a.requestId, { ok: true, barrier: true });
      }
    }
    if (peersChanged) this.learnAddresses(this.reconfigurer.current().servers);
    const last = entries[entries.length - 1];
    if (last !== undefined) this.reconfigurer.onApplied(last.index);
    this.appliedSinceCycle += entries.length;
  }

  /**
   * After each Ready: route held writes, and count applied entries towards a snapshot. Only
   * here is everything applied also in our own log (entries are applied while they are
   * being fsynced), which a snapshot at the applied index needs.
   */
  private onCycle(): void {
    this.route();
    // A leader that can take writes writes zoo.cfg's configuration at once if none is there.
    if (!this.configChecked && this.replica.acceptingWrites()) {
      this.configChecked = true;
      this.maintainConfig();
    }
    if (this.appliedSinceCycle === 0) return;
    const count = this.appliedSinceCycle;
    this.appliedSinceCycle = 0;
    const membership = this.options.node.status().membership;
    const { tree, applied } = this.replica;
    this.options.snapshots.onApplied(count, tree, applied, membership);
  }

  private onSnapshot(meta: SnapshotMeta, records: Buffer[]): void {
    const tree = loadSnapshot(records);
    this.replica.replaceTree(tree, meta.index);
    this.server.replaceTree(tree);
    // Entries up to the snapshot were never applied here: their writers cannot be answered.
    this.pending.failRouted(new Error('state replaced by a snapshot'));
    this.afterSnapshot();
    this.options.logger.info({ index: meta.index, zxid: tree.lastZxid }, 'installed a snapshot');
  }

  /** Redials silent old links to the peers we should hear from (see link-health.ts). */
  checkLinks(staleMs: number): void {
    if (this.stopped) return;
    const { voters, learners } = this.options.node.status().membership;
    const self = this.options.selfId;
    const expected = this.replica.isLeader
      ? [...voters, ...learners].filter((id) => id !== self)
      : [this.lastKnownLeader].filter((id) => id !== 0 && id !== self);
    this.links.check(expected, this.transport, staleMs, Date.now());
  }

  /** Called every second: writes that waited too long fail. */
  expirePending(): void {
    this.pending.expire(Date.now());
  }

  private fatal(error: Error): void {
    this.stopped = true;
    this.pending.failAll(error);
    this.server.dropClients('storage failed');
    this.options.onFatal(error);
  }

  /** Like onCommitted's peers update, after a snapshot replaced the tree. */
  private afterSnapshot(): void {
    this.learnAddresses(this.reconfigurer.current().servers);
  }

  /** Stops taking input (shutdown); pending writes fail. */
  stop(): void {
    this.stopped = true;
    this.driver.stop();
    this.pending.failAll(new Error('server shutting down'));
  }
}
