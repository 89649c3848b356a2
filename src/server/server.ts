/**
 * The client-facing server: owns the tree it serves from, watches, sessions and client
 * connections, and hands writes to its write path (the member). Each job is in its own file:
 * handshake.ts (ConnectRequest), request-queue.ts (order and replies), request-handler.ts
 * (what each request does), apply-effects.ts (sessions and notifications after a txn applies),
 * leader-duties.ts (expiry and reaping), four-letter.ts. Sockets, the clock and randomness
 * come in through `ClientListener` and `Runtime`, so the simulator runs this same server.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SessionId } from '../protocol/records.js';
import type { ReconfigRequest } from '../protocol/requests.js';
import type { Response } from '../protocol/responses.js';
import type { ClientWrite } from '../replication/write-input.js';
import type { ApplyResult } from '../tree/apply.js';
import type { DataTree } from '../tree/data-tree.js';
import type { Txn } from '../tree/txn.js';
import { WatchManager } from '../tree/watch-manager.js';
import {
  connectionsClosedPerTurnMax,
  memoryHeldTouchIntervalMs,
  memoryResumeRatio,
} from '../util/limits.js';
import type { Runtime, Timer } from '../util/runtime.js';
import type { ClientSasl } from '../config/client-sasl.js';
import type { ServerConfig } from '../config/config.js';
import type { EnsembleServer } from '../config/config-ensemble.js';
import { AddressLimits } from './address-limits.js';
import { applyEffects } from './apply-effects.js';
import { AuditLog } from './audit-log.js';
import { certificateIds } from './auth.js';
import { ChildrenReplies } from './children-replies.js';
import type { ClientListener, ClientSocket } from './client-socket.js';
import { Connection, type ConnectionHost } from './connection.js';
import { fourLetterWord } from './four-letter.js';
import { onConnectFrame } from './handshake.js';
import { LeaderDuties } from './leader-duties.js';
import { fullCollector, liveMemoryBytes, MemoryGuard } from './memory-guard.js';
import { MemoryHoldChoice, memoryOvershootBytes } from './memory-holds.js';
import type { DecodedFrame } from './request-handler.js';
import * as queue from './request-queue.js';
import { RequestThrottle } from './request-throttle.js';
import { SessionTracker, type SessionState } from './session-tracker.js';
import { sendTextAnswer } from './text-answer.js';
import { TurnFlushes } from './turn-output.js';
import { ServerStats } from './stats.js';
import { WatchDrops } from './watch-drops.js';
import type { WritePath, WritePathHost } from './write-path.js';
import { SlowRequests } from './slow-requests.js';

export interface ServerDeps {
  config: ServerConfig;
  tree: DataTree;
  logger: Logger;
  runtime: Runtime;
  clients: ClientListener;
  /** Builds the write path (the member) around this server. */
  writePath: (host: WritePathHost) => WritePath;
  serverId?: number;
  /** This server's line of the ensemble configuration; absent or null: standalone. */
  quorumSelf?: EnsembleServer | null;
  /** SASL on the client port (server/sasl.ts); absent or null: not configured. */
  sasl?: ClientSasl | null;
  /** Live memory for warren.memoryBytesMax; absent: V8 heap in use plus Buffers. */
  measureMemory?: () => number;
}

/** At most one warning per this long about replies refused for jute.maxbuffer. */
const oversizedWarnEveryMs = 10_000;

export class WarrenServer implements ConnectionHost, WritePathHost {
  readonly config: ServerConfig;
  tree: DataTree;
  readonly watches: WatchManager;
  /** Watches of closed connections and sessions, removed a slice a turn. */
  readonly watchDrops: WatchDrops;
  readonly sessions: SessionTracker;
  readonly writes: WritePath;
  readonly stats: ServerStats;
  readonly connections = new Set<Connection>();
  /** Connections dropClients is closing a slice at a time: no request of theirs runs now. */
  readonly closing = new Set<Connection>();
  readonly logger: Logger;
  readonly runtime: Runtime;
  readonly outstandingMax: number;
  readonly stallMs: number;
  private lastOversizedWarnAt = -Infinity;
  readonly flushes: TurnFlushes;
  readonly addressLimits: AddressLimits;
  /** globalOutstandingLimit, the RequestThrottler's settings and the memory hold. */
  readonly throttle: RequestThrottle;
  readonly slowRequests: SlowRequests;
  /** warren.memoryBytesMax. */
  readonly memory: MemoryGuard;
  /** getChildren replies: big lists built over several turns, and kept until they change. */
  readonly children: ChildrenReplies;
  /** audit.enable: the audit log; null when off. */
  readonly audit: AuditLog | null;
  /** SASL on the client port; null when the JAAS file has no server section. */
  readonly sasl: ClientSasl | null;
  /** This server's line of zoo.cfg's ensemble; null for a standalone server. */
  readonly quorumSelf: EnsembleServer | null;
  private readonly clients: ClientListener;
  private readonly perIp = new Map<string, number>();
  private readonly duties: LeaderDuties;
  private readonly memoryHolds: MemoryHoldChoice;
  private timers: Timer[] = [];

  constructor(deps: ServerDeps) {
    this.config = deps.config;
    this.tree = deps.tree;
    this.logger = deps.logger;
    this.runtime = deps.runtime;
    this.clients = deps.clients;
    this.sasl = deps.sasl ?? null;
    this.quorumSelf = deps.quorumSelf ?? null;
    this.stats = new ServerStats(this.runtime.now());
    this.watches = new WatchManager(this.config.watchesPerSessionMax, this.config.watchBytesMax);
    this.watchDrops = new WatchDrops(() => this.watches, this.runtime);
    const random = (count: number) => this.runtime.randomBytes(count);
    this.sessions = new SessionTracker(this.config.tickTime, deps.serverId ?? 1, random);
    this.outstandingMax = this.config.outstandingRequestsMax;
    this.stallMs = this.config.clientStallMs;
    this.flushes = new TurnFlushes(this.runtime);
    const { sessionsPerAddressMax, sessionCreateRatePerAddress } = this.config;
    this.addressLimits = new AddressLimits(sessionsPerAddressMax, sessionCreateRatePerAddress);
    this.throttle = this.makeThrottle();
    this.children = new ChildrenReplies({
      runtime: this.runtime,
      spend: (requests) => this.throttle.spend(requests),
      finished: (conn, f) => queue.finishRequest(this, conn, f),
      drain: (conn) => queue.drain(this, conn),
    });
    this.slowRequests = new SlowRequests(this.logger, () => this.runtime.now());
    this.memory = this.makeMemoryGuard(deps.measureMemory);
    const overshoot = memoryOvershootBytes(this.config.memoryBytesMax);
    this.memoryHolds = new MemoryHoldChoice(this.memory, overshoot);
    this.audit = this.config.auditEnabled ? this.openAuditLog() : null;
    this.duties = new LeaderDuties(this);
    this.registerTreeSessions();
    this.writes = deps.writePath(this);
  }

  private makeThrottle(): RequestThrottle {
    const c = this.config;
    const settings = {
      globalOutstandingLimit: c.globalOutstandingLimit,
      maxRequests: c.requestThrottleMaxRequests,
      stallMs: c.requestThrottleStallTimeMs,
      dropStale: c.requestThrottleDropStale,
      throttledOpWaitMs: c.throttledOpWaitTimeMs,
    };
    return new RequestThrottle(settings, {
      runtime: this.runtime,
      drain: (conn) => queue.drain(this, conn),
      answerPings: (conn, count) => queue.answerPings(this, conn, count),
    });
  }

  private makeMemoryGuard(measure: (() => number) | undefined): MemoryGuard {
    const bytesMax = this.config.memoryBytesMax;
    let touchedAt = -Infinity;
    return new MemoryGuard({
      bytesMax,
      runtime: this.runtime,
      measure: measure ?? liveMemoryBytes,
      collect: measure === undefined && bytesMax > 0 ? fullCollector() : null,
      onChange: (held) => {
        const bytes = this.memory.lastBytes;
        this.holdForMemory();
        const hold = this.throttle.memoryHold;
        if (held) this.logger.warn({ bytes, bytesMax, hold }, 'memory bound reached: reads held');
        else this.logger.info({ bytes, bytesMax }, 'memory back under its bound: reads resume');
      },
      whileHeld: () => {
        this.holdForMemory();
        // The server, not the client, stopped reading: its sessions must not expire for it.
        const now = this.runtime.now();
        if (now - touchedAt < memoryHeldTouchIntervalMs) return;
        touchedAt = now;
        for (const conn of this.connections) {
          if (conn.session !== null) this.touchSession(conn.session, now);
        }
      },
    });
  }

  /** Over the bound: whom to hold, looked at again on every check (memory-holds.ts). */
  private holdForMemory(): void {
    const resumeBytes = this.config.memoryBytesMax * memoryResumeRatio;
    const excess = Math.max(0, this.memory.lastBytes - resumeBytes);
    const { held, lastBytes } = this.memory;
    const over = lastBytes - this.config.memoryBytesMax;
    const current = this.throttle.memoryHold;
    const hold = this.memoryHolds.next(held, current, this.connections, excess, over);
    this.throttle.setMemoryHold(hold, this.connections);
  }

  private openAuditLog(): AuditLog {
    const { auditLogFile, dataLogDir } = this.config;
    const path = auditLogFile === '' ? join(dataLogDir, 'audit.log') : auditLogFile;
    const audit = new AuditLog(path, this.logger, () => this.runtime.now());
    audit.server('serverStart', 'success');
    this.logger.info({ path }, 'audit log enabled');
    return audit;
  }

  /** Sessions recovered from disk (or a snapshot) get a fresh timeout, as in ZooKeeper. */
  private registerTreeSessions(): void {
    const now = this.runtime.now();
    for (const [id, record] of this.tree.sessions) {
      if (this.sessions.get(id) === undefined) {
        this.sessions.register(id, record.timeoutMs, record.passwd, now);
      }
    }
  }

  /**
   * The member installed a leader's snapshot: serve from its tree. Clients are disconnected
   * so that they re-register their watches against the new state.
   */
  replaceTree(tree: DataTree): void {
    this.tree = tree;
    this.children.clear();
    // All at once: a connection left open would read the new state under its old watches.
    this.dropClients('state replaced by a snapshot from the leader', false);
    for (const state of [...this.sessions.all()]) {
      if (!tree.sessions.has(state.id)) this.sessions.remove(state.id);
    }
    this.registerTreeSessions();
  }

  /**
   * Closes every client connection (lost the leader, new state); sessions live on. `sliced`:
   * connectionsClosedPerTurnMax a turn (closing 5k sockets and their watches in one go held
   * the loop for 0.4-0.7 s when the leader was lost); the others answer nothing meanwhile.
   */
  dropClients(reason: string, sliced = true): void {
    if (this.connections.size > 0) {
      this.logger.info(
        { connections: this.connections.size, reason },
        'closing client connections',
      );
    }
    const all = [...this.connections];
    if (!sliced) return all.forEach((conn) => conn.close());
    for (const conn of all) this.closing.add(conn);
    this.closeSlice(all, 0);
  }

  private closeSlice(connections: readonly Connection[], from: number): void {
    const end = Math.min(connections.length, from + connectionsClosedPerTurnMax);
    for (let i = from; i < end; i++) {
      const conn = connections[i] as Connection;
      this.closing.delete(conn);
      conn.close();
    }
    if (end < connections.length) this.runtime.soon(() => this.closeSlice(connections, end));
  }

  get lastZxid(): number {
    return this.tree.lastZxid;
  }

  async listen(): Promise<{ host: string; port: number }> {
    const bound = await this.clients.listen((socket) => this.accept(socket));
    const { tickTime, containerCheckIntervalMs } = this.config;
    this.timers.push(this.runtime.every(tickTime, () => this.duties.expireSessions()));
    this.timers.push(this.runtime.every(containerCheckIntervalMs, () => this.duties.reap()));
    this.memory.start();
    return bound;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) timer.cancel();
    this.timers = [];
    this.memory.stop();
    this.throttle.close();
    for (const conn of [...this.connections]) conn.close();
    await this.clients.close();
    await this.writes.idle();
    if (this.audit !== null) {
      this.audit.server('serverStop', 'invoked');
      await this.audit.close();
    }
  }

  private accept(socket: ClientSocket): void {
    const ip = socket.remoteAddress;
    const count = this.perIp.get(ip) ?? 0;
    const max = this.config.maxClientCnxns;
    if ((max > 0 && count >= max) || this.connections.size >= this.config.connectionsMax) {
      this.stats.connectionsRejected++;
      this.logger.warn({ ip, count }, 'too many connections from this address; closing');
      socket.destroy();
      return;
    }
    this.perIp.set(ip, count + 1);
    const conn = new Connection(socket, this, this.config.juteMaxBuffer);
    conn.ids.push(...certificateIds(socket.certificateSubject, this.config.x509SuperUser));
    this.connections.add(conn);
  }

  // ---- ConnectionHost ----

  onWritable(conn: Connection): void {
    if (conn.state === 'connected') queue.drain(this, conn);
  }

  /** While memory holds reads, a connection may keep one maximal reply unsent, no more. */
  get outputBytesMax(): number {
    const { clientOutputBytesMax, juteMaxBuffer } = this.config;
    return this.memory.held ? Math.min(clientOutputBytesMax, juteMaxBuffer) : clientOutputBytesMax;
  }

  wrote(bytes: number): void {
    this.throttle.wrote(bytes);
    this.memory.note(bytes);
  }

  refusedReply(conn: Connection, bytes: number): void {
    const now = this.runtime.now();
    // A client that retries after reconnecting would repeat this as fast as it reconnects.
    if (now - this.lastOversizedWarnAt < oversizedWarnEveryMs) return;
    this.lastOversizedWarnAt = now;
    this.logger.warn(
      {
        session: conn.session === null ? null : `0x${conn.session.id.toString(16)}`,
        client: `${conn.remoteAddress}:${conn.remotePort}`,
        op: conn.lastOp,
        replyBytes: bytes,
        replyBytesMax: conn.replyBytesMax,
        refusedSoFar: this.stats.oversizedReplies,
      },
      'a reply is longer than jute.maxbuffer: closing the connection instead of sending it, ' +
        'as a client reading with that jute.maxbuffer would drop it (the session lives on). ' +
        'Raise jute.maxbuffer on the servers and on the clients to answer it',
    );
  }

  readsHeld(conn: Connection): boolean {
    return this.throttle.readsHeld(conn);
  }

  onClosed(conn: Connection): void {
    this.closing.delete(conn);
    if (!this.connections.delete(conn)) return;
    this.throttle.closed(conn);
    const ip = conn.remoteAddress;
    const count = (this.perIp.get(ip) ?? 1) - 1;
    if (count <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, count);
    const session = conn.session;
    if (session !== null && session.connection === conn) {
      session.connection = null;
      this.watchDrops.drop(session.id);
    }
  }

  onFirstBytes(conn: Connection, first4: Buffer): boolean {
    const text = fourLetterWord(this, first4.toString('latin1'));
    if (text === null) return false;
    const lines = typeof text === 'string' ? [text] : text;
    sendTextAnswer(conn, this.runtime, lines, this.config.juteMaxBuffer);
    return true;
  }

  onConnectFrame(conn: Connection, frame: Buffer): void {
    onConnectFrame(this, conn, frame);
  }

  onRequestFrame(conn: Connection, frame: Buffer): void {
    queue.onRequestFrame(this, conn, frame);
  }

  // ---- what request-handler.ts asks for ----

  reply(conn: Connection, f: DecodedFrame, err: number, response: Response | null): void {
    queue.reply(this, conn, f, err, response);
  }

  finishRequest(conn: Connection, f: DecodedFrame): void {
    queue.finishRequest(this, conn, f);
  }

  submitWrite(conn: Connection, f: DecodedFrame, req: ClientWrite): void {
    queue.submitWrite(this, conn, f, req);
  }

  afterSync(conn: Connection, then: () => void): void {
    queue.afterSync(this, conn, then);
  }

  submitReconfig(conn: Connection, f: DecodedFrame, req: ReconfigRequest): void {
    queue.submitReconfig(this, conn, f, req);
  }

  submitClose(conn: Connection, f: DecodedFrame): void {
    queue.submitClose(this, conn, f);
  }

  // ---- sessions ----

  /** A request of the session arrived: it stays alive (the leader hears of it too). */
  touchSession(session: SessionState, now: number): void {
    this.sessions.touch(session, now);
    this.onSessionActivity(session.id);
  }

  /** Set by the member to relay client activity to the leader. */
  onSessionActivity: (id: SessionId) => void = () => undefined;

  /** Set by the member: a client attached a session here, on connection token `attach`. */
  onSessionAttached: (id: SessionId, attach: number) => void = () => undefined;

  /** A server that just took the lead gives every session a full timeout first. */
  renewAllSessions(): void {
    this.sessions.touchAll(this.runtime.now());
  }

  /** A quorum is back: read-only clients reconnect, local sessions end. */
  endReadOnly(): void {
    for (const conn of [...this.connections]) if (conn.readOnly) conn.close();
    for (const state of [...this.sessions.all()]) {
      if (!this.tree.sessions.has(state.id) && !state.closing) this.sessions.remove(state.id);
    }
  }

  /** Every applied txn, whoever asked for it: sessions, then watch notifications. */
  onApplied(txn: Txn, result: ApplyResult): void {
    applyEffects(this, txn, result);
  }
}
