/**
 * What a member does with each message from a peer, and how it sends Raft's messages out:
 * Raft messages go to the Ready loop (a peer speaks only for itself, and only to us),
 * forwarded writes and reconfigs to the write router, session touches to the leader's
 * tracker. A snapshot message travels as the snapshot file itself, read when it is needed.
 * A link that broke to our leader fails the writes routed on it, and starts an election at
 * once when the leader's process is gone.
 */
import type { Logger } from 'pino';
import type { Message, NodeId, RaftNode } from '../consensus/index.js';
import { Err } from '../protocol/error-codes.js';
import type { SessionId } from '../protocol/records.js';
import type { Replica } from '../replication/replica.js';
import type { SessionTracker } from '../server/session-tracker.js';
import type { Runtime } from '../util/runtime.js';
import type { DurableLog } from './durable-log.js';
import { LinkHealth } from './link-health.js';
import { decodePeerMessage, encodePeerMessage, type PeerMessage } from './peer-messages.js';
import type { PeerNetwork } from './peer-network.js';
import type { RaftDriver } from './raft-driver.js';
import type { Reconfigurer } from './reconfig.js';
import { SessionRelay } from './session-relay.js';
import type { WriteRouter } from './write-routing.js';

export interface DispatchHost {
  readonly selfId: number;
  readonly node: RaftNode;
  readonly replica: Replica;
  readonly driver: RaftDriver;
  readonly storage: DurableLog;
  readonly router: WriteRouter;
  readonly reconfigurer: Reconfigurer;
  readonly runtime: Runtime;
  readonly logger: Logger;
  peers(): PeerNetwork;
  /** Takes a snapshot of the applied state now; resolves with its index. */
  freshSnapshot(): Promise<number>;
  sessions(): SessionTracker;
  stopped(): boolean;
  /** `from` asks this member, if it leads, to hand leadership over (rqld). */
  onLeadershipRequest(from: NodeId): void;
  /** A forwarded restore's upload part or reply (restore-forwarding.ts). */
  onRestoreMessage(from: NodeId, message: RestoreMessage): void;
}

type RestoreMessage = Extract<PeerMessage, { type: 'restorePart' | 'restoreReply' }>;

export class PeerDispatch {
  private readonly badPeers = new Set<NodeId>();
  private readonly links: LinkHealth;
  private readonly relay = new SessionRelay();
  private lastKnownLeader = 0;

  constructor(private readonly host: DispatchHost) {
    this.links = new LinkHealth(host.logger, host.runtime.now());
  }

  onPeerMessage(from: NodeId, payload: Buffer): void {
    const host = this.host;
    if (host.stopped()) return;
    this.links.heard(from, host.runtime.now());
    let message: PeerMessage;
    try {
      message = decodePeerMessage(payload);
    } catch (e) {
      if (!this.badPeers.has(from)) {
        this.badPeers.add(from);
        host.logger.warn({ from, err: e }, 'dropping a malformed message from a peer');
      }
      return;
    }
    const router = host.router;
    switch (message.type) {
      case 'raft': {
        // A peer speaks only for itself, and only to us.
        const raft = message.message;
        if (raft.to !== host.selfId || raft.from !== from) return;
        return host.driver.run(() => host.node.step(raft), true);
      }
      case 'forward': {
        const { requestId, input, term } = message;
        return router.onForward({ from, requestId, input, term });
      }
      case 'refused':
        return router.pending.fail(message.requestId, new Error(`leader: ${message.reason}`));
      case 'touch':
        return this.onTouch(message.sessionIds);
      case 'reconfig':
        return this.onForwardedReconfig(from, message);
      case 'reconfigResult':
        return router.onReconfigResult(message.requestId, message.err);
      case 'leadership':
        return host.onLeadershipRequest(from);
      case 'attached':
        return router.noteAttached(message.sessionId, message.attach, message.term);
      case 'restorePart':
      case 'restoreReply':
        return host.onRestoreMessage(from, message);
    }
  }

  private onForwardedReconfig(
    from: NodeId,
    message: Extract<PeerMessage, { type: 'reconfig' }>,
  ): void {
    const { requestId, request, sessionId, ids } = message;
    const reply = (err: number) => this.send(from, { type: 'reconfigResult', requestId, err });
    if (!this.host.replica.isLeader) return void reply(Err.connectionLoss);
    const reconfig = this.host.reconfigurer.reconfig(request, sessionId, ids);
    reconfig.then(reply, () => reply(Err.runtimeInconsistency));
  }

  private onTouch(ids: readonly SessionId[]): void {
    const host = this.host;
    if (host.replica.isLeader) SessionRelay.renew(host.sessions(), ids, host.runtime.now());
  }

  /** A client of session `id` was heard from here; followers tell the leader. */
  noteSessionActivity(id: SessionId): void {
    if (!this.host.replica.isLeader) this.relay.note(id);
  }

  /** Followers: tell the leader which sessions were active (every half tick). */
  relayTouches(): void {
    const leader = this.host.replica.leader;
    if (leader === 0 || this.host.replica.isLeader) return;
    for (const sessionIds of this.relay.take()) this.send(leader, { type: 'touch', sessionIds });
  }

  leaderIs(leader: NodeId): void {
    if (leader !== 0) this.lastKnownLeader = leader;
  }

  /** The link to `id` broke. If it was our leader and stays down, elect without waiting. */
  onUnreachable(id: NodeId): void {
    const host = this.host;
    if (host.stopped()) return;
    host.driver.run(() => host.node.reportUnreachable(id), true);
    if (id !== host.replica.leader || host.replica.isLeader) return;
    // Writes forwarded on the broken link may be lost while later ones get through on the
    // next: fail them now (outcome unknown), so no reply ever overtakes an earlier one.
    host.router.pending.failRouted(new Error('lost the link to the leader'));
    const delay = 50 + host.runtime.randomInt(100);
    host.runtime.after(delay, () => {
      if (host.stopped() || host.peers().isConnected(id) || host.replica.leader !== id) return;
      host.logger.info({ leader: id }, 'lost the link to the leader; starting an election');
      host.driver.run(() => {
        host.node.forgetLeader();
        host.node.campaign();
      }, true);
    });
  }

  /** Redials silent old links to the peers we should hear from (see link-health.ts). */
  checkLinks(staleMs: number): void {
    const host = this.host;
    if (host.stopped()) return;
    const { voters, learners } = host.node.membership();
    const self = host.selfId;
    const expected = host.replica.isLeader
      ? [...voters, ...learners].filter((id) => id !== self)
      : [this.lastKnownLeader].filter((id) => id !== 0 && id !== self);
    this.links.check(expected, host.peers(), staleMs, host.runtime.now());
  }

  send(to: NodeId, message: PeerMessage): boolean {
    return this.host.peers().send(to, encodePeerMessage(message));
  }

  /** Raft's own messages; a peer that cannot be reached is reported to the core. */
  sendRaft(message: Message): void {
    if (message.type === 'snapshot') return this.sendSnapshot(message);
    if (!this.send(message.to, { type: 'raft', message })) {
      const { driver, node } = this.host;
      const to = message.to;
      driver.run(() => node.reportUnreachable(to), true);
    }
  }

  /**
   * Snapshots travel as the snapshot file itself, read when needed and sent in chunks. A log
   * the only voter let go of past its last snapshot (durable-log.ts) gets a fresh one first.
   */
  private sendSnapshot(message: Extract<Message, { type: 'snapshot' }>): void {
    const { storage, node, logger, driver } = this.host;
    const report = (sent: boolean) => driver.run(() => node.reportSnapshot(message.to, sent), true);
    const covered = storage.snapshot().meta.index >= storage.firstIndex() - 1;
    const ready = covered ? Promise.resolve(0) : this.host.freshSnapshot();
    ready
      .then(() => storage.snapshotFile())
      .then(
        (file) => {
          if (file === null) return report(false);
          const meta = storage.snapshotFileMeta(file);
          const full = { ...message, snapshot: { meta, data: file } };
          const sent = this.send(message.to, { type: 'raft', message: full });
          logger.info(
            { to: message.to, index: meta.index, bytes: file.length, sent },
            'snapshot sent',
          );
          report(sent);
        },
        (e: unknown) => {
          logger.error({ err: e }, 'could not read the snapshot for a lagging follower');
          report(false);
        },
      );
  }
}
