/**
 * The standalone server: owns the tree, the overlay, watches, sessions and the commit
 * pipeline, accepts connections and runs the handshake. The request semantics are in
 * request-handler.ts, replies to writes in write-replies.ts, four-letter words in
 * four-letter.ts.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { Err } from '../protocol/error-codes.js';
import { DecodeError, JuteReader } from '../protocol/jute-reader.js';
import { OpCode, Perm, Xid } from '../protocol/opcodes.js';
import {
  readConnectRequest,
  type ACL,
  type ConnectRequest,
  type SessionId,
} from '../protocol/records.js';
import type { Response } from '../protocol/responses.js';
import type { ClientWrite } from '../replication/write-input.js';
import { hasPerm } from '../tree/acl.js';
import type { ApplyResult } from '../tree/apply.js';
import type { DataTree } from '../tree/data-tree.js';
import { Overlay } from '../tree/overlay.js';
import { reapDue } from '../tree/prepare.js';
import { CONFIG_PATH } from '../tree/path.js';
import * as reads from '../tree/reads.js';
import type { ReconfigRequest } from '../protocol/requests.js';
import type { Txn } from '../tree/txn.js';
import { WatchManager } from '../tree/watch-manager.js';
import type { ServerConfig } from '../config/config.js';
import { Connection, type ConnectionHost } from './connection.js';
import { fourLetterWord } from './four-letter.js';
import { decodeFrame, handleRequest, isWrite, type DecodedFrame } from './request-handler.js';
import { SessionTracker, type SessionState } from './session-tracker.js';
import { ServerStats } from './stats.js';
import { writeReply } from './write-replies.js';
import type { WritePath, WritePathHost } from './write-path.js';

export interface ServerDeps {
  config: ServerConfig;
  tree: DataTree;
  logger: Logger;
  /** Builds the write path (standalone log or ensemble) around this server. */
  writePath: (host: WritePathHost) => WritePath;
  /** Called after each applied txn (the snapshot policy counts them). */
  onApplied?: (zxid: number) => void;
  serverId?: number;
}

const ZERO_PASSWD = Buffer.alloc(16);

export class WarrenServer implements ConnectionHost, WritePathHost {
  readonly config: ServerConfig;
  tree: DataTree;
  readonly watches: WatchManager;
  readonly sessions: SessionTracker;
  readonly writes: WritePath;
  readonly stats = new ServerStats();
  readonly connections = new Set<Connection>();
  readonly logger: Logger;
  readonly outstandingMax: number;
  private readonly perIp = new Map<string, number>();
  private listener: Server | null = null;
  private timers: NodeJS.Timeout[] = [];
  private readonly onAppliedHook: (zxid: number) => void;
  private lastExpiryCheck = Date.now();

  constructor(deps: ServerDeps) {
    this.config = deps.config;
    this.tree = deps.tree;
    this.logger = deps.logger;
    this.watches = new WatchManager(this.config.watchesPerSessionMax);
    this.sessions = new SessionTracker(this.config.tickTime, deps.serverId ?? 1, Date.now());
    this.outstandingMax = this.config.outstandingRequestsMax;
    this.onAppliedHook = deps.onApplied ?? (() => undefined);
    this.registerTreeSessions();
    this.writes = deps.writePath(this);
  }

  /** Sessions recovered from disk (or a snapshot) get a fresh timeout, as in ZooKeeper. */
  private registerTreeSessions(): void {
    for (const [id, record] of this.tree.sessions) {
      if (this.sessions.get(id) === undefined) {
        this.sessions.register(id, record.timeoutMs, record.passwd, Date.now());
      }
    }
  }

  /**
   * An ensemble member installed a leader's snapshot: serve from its tree. Clients are
   * disconnected so that they re-register their watches against the new state.
   */
  replaceTree(tree: DataTree): void {
    this.tree = tree;
    this.dropClients('state replaced by a snapshot from the leader');
    for (const state of [...this.sessions.all()]) {
      if (!tree.sessions.has(state.id)) this.sessions.remove(state.id);
    }
    this.registerTreeSessions();
  }

  /** Closes every client connection (lost the leader, new state); sessions live on. */
  dropClients(reason: string): void {
    if (this.connections.size > 0) {
      this.logger.info(
        { connections: this.connections.size, reason },
        'closing client connections',
      );
    }
    for (const conn of [...this.connections]) conn.close();
  }

  get lastZxid(): number {
    return this.tree.lastZxid;
  }

  async listen(): Promise<{ host: string; port: number }> {
    const listener = createServer((socket) => this.accept(socket));
    this.listener = listener;
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(this.config.clientPort, this.config.clientPortAddress, () => resolve());
    });
    const address = listener.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    this.timers.push(setInterval(() => this.expireSessions(), this.config.tickTime));
    this.timers.push(setInterval(() => this.reap(), this.config.containerCheckIntervalMs));
    for (const t of this.timers) t.unref();
    return { host: this.config.clientPortAddress, port };
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const listener = this.listener;
    this.listener = null;
    for (const conn of [...this.connections]) conn.close();
    if (listener !== null) await new Promise<void>((resolve) => listener.close(() => resolve()));
    await this.writes.idle();
  }

  private accept(socket: Socket): void {
    const ip = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
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
    this.connections.add(conn);
  }

  onClosed(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    const ip = conn.remoteAddress;
    const count = (this.perIp.get(ip) ?? 1) - 1;
    if (count <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, count);
    const session = conn.session;
    if (session !== null && session.connection === conn) {
      session.connection = null;
      this.watches.removeSession(session.id);
    }
  }

  onFirstBytes(conn: Connection, first4: Buffer): boolean {
    const text = fourLetterWord(this, first4.toString('latin1'));
    if (text === null) return false;
    conn.sendText(text);
    conn.end();
    return true;
  }

  // ---- handshake ----

  onConnectFrame(conn: Connection, frame: Buffer): void {
    let req: ConnectRequest;
    try {
      req = readConnectRequest(new JuteReader(frame));
    } catch (e) {
      if (e instanceof DecodeError) return conn.close();
      throw e;
    }
    // A client that has seen newer state than ours must go elsewhere: close, no reply.
    if (req.lastZxidSeen > this.tree.lastZxid) return conn.close();
    // An ensemble member without a leader serves nobody (the client tries another server),
    // or in read-only mode only the clients that allow it.
    if (this.writes.refusal() === Err.connectionLoss) return conn.close();
    const readOnly = this.writes.readOnly?.() ?? false;
    if (readOnly && req.readOnly !== true) return conn.close();
    conn.readOnly = readOnly;
    const { minSessionTimeout: min, maxSessionTimeout: max } = this.config;
    conn.timeoutMs = Math.min(Math.max(req.timeOut, min), max);
    conn.state = 'connecting';
    if (req.sessionId === 0n) return this.createSession(conn, req);
    this.reattachSession(conn, req);
  }

  private createSession(conn: Connection, req: ConnectRequest): void {
    if (conn.readOnly) return this.createLocalSession(conn, req);
    if (this.writes.refusal() !== null) return conn.close();
    if (this.sessions.size >= this.config.sessionsMax) {
      this.logger.warn('session limit reached; refusing a new session');
      return conn.close();
    }
    const id = this.sessions.allocateId();
    const passwd = SessionTracker.newPassword();
    const timeoutMs = conn.timeoutMs;
    // Reserve the id now so a concurrent handshake cannot pick it.
    const state = this.sessions.register(id, timeoutMs, passwd, Date.now());
    this.writes.submit({ type: 'createSession', sessionId: id, timeoutMs, passwd }, (outcome) => {
      if (!outcome.ok) {
        if (!this.tree.sessions.has(id)) this.sessions.remove(id);
        return conn.close();
      }
      if (conn.state !== 'connecting') return;
      this.attach(conn, state, req, timeoutMs);
    });
  }

  /**
   * Read-only mode: a new client gets a session that lives only here and only until a
   * quorum is back (ZooKeeper's read-only sessions); its writes answer NotReadOnly.
   */
  private createLocalSession(conn: Connection, req: ConnectRequest): void {
    if (this.sessions.size >= this.config.sessionsMax) return conn.close();
    const id = this.sessions.allocateId();
    const state = this.sessions.register(id, conn.timeoutMs, SessionTracker.newPassword(), 0);
    this.attach(conn, state, req, conn.timeoutMs);
  }

  /** A quorum is back: read-only clients reconnect, local sessions end. */
  endReadOnly(): void {
    for (const conn of [...this.connections]) if (conn.readOnly) conn.close();
    for (const state of [...this.sessions.all()]) {
      if (!this.tree.sessions.has(state.id) && !state.closing) this.sessions.remove(state.id);
    }
  }

  private reattachSession(conn: Connection, req: ConnectRequest): void {
    const state = this.sessions.get(req.sessionId);
    // As ZooKeeper does, the session's other connection is closed before the password is
    // checked: the client of that connection reconnects and re-authenticates.
    const previous = state?.connection ?? null;
    if (state !== undefined && previous !== null && previous !== conn) {
      state.connection = null;
      this.watches.removeSession(state.id);
      previous.detach('session moved to another connection');
    }
    const passwdOk =
      state !== undefined &&
      state.passwd.length === req.passwd.length &&
      timingSafeEqual(state.passwd, req.passwd);
    if (state === undefined || state.closing || !passwdOk) {
      conn.sendConnectResponse({
        protocolVersion: 0,
        timeOut: 0,
        sessionId: 0n,
        passwd: ZERO_PASSWD,
        readOnly: req.readOnly === null ? null : false,
      });
      return conn.end();
    }
    this.attach(conn, state, req, conn.timeoutMs);
  }

  private attach(conn: Connection, state: SessionState, req: ConnectRequest, timeoutMs: number) {
    state.connection = conn;
    conn.session = state;
    this.touchSession(state, Date.now());
    conn.sendConnectResponse({
      protocolVersion: 0,
      timeOut: timeoutMs,
      sessionId: state.id,
      passwd: state.passwd,
      readOnly: req.readOnly === null ? null : conn.readOnly,
    });
    conn.state = 'connected';
    this.drain(conn);
  }

  // ---- requests ----

  onRequestFrame(conn: Connection, frame: Buffer): void {
    let f: DecodedFrame;
    try {
      f = decodeFrame(frame);
    } catch (e) {
      if (e instanceof DecodeError) return conn.close();
      throw e;
    }
    this.stats.packetsReceived++;
    if (conn.session !== null) this.touchSession(conn.session, f.receivedAt);
    if (f.opcode === OpCode.ping && conn.state === 'connected') {
      // Pings are matched outside the reply queue by every client; answer at once.
      conn.sendReply(Xid.ping, this.tree.lastZxid, Err.ok, null);
      this.stats.packetsSent++;
      return;
    }
    conn.outstanding++;
    conn.waiting.push(f);
    if (conn.state === 'connected') this.drain(conn);
    else conn.updateBackpressure();
  }

  /** Runs queued requests in order until one must wait for earlier writes. */
  drain(conn: Connection): void {
    while (conn.state === 'connected' && conn.waitingHead < conn.waiting.length) {
      const f = conn.waiting[conn.waitingHead] as DecodedFrame;
      const closing = conn.session?.closing ?? false;
      // Pending writes are counted per session: a read on a new connection of the session
      // must still wait for writes sent on the connection it replaced.
      // A write waits only behind a sync (whose reply must come first).
      const session = conn.session;
      const waitsForAll = !isWrite(f) || closing || (session?.pendingSyncs ?? 0) > 0;
      if (waitsForAll && (session?.pendingWrites ?? 0) > 0) break;
      conn.waitingHead++;
      handleRequest(this, conn, f);
    }
    if (conn.waitingHead > 256 && conn.waitingHead * 2 > conn.waiting.length) {
      conn.waiting = conn.waiting.slice(conn.waitingHead);
      conn.waitingHead = 0;
    }
    conn.updateBackpressure();
  }

  /** After a write applied: run what waits, on the session's current connection too. */
  private drainSession(session: SessionState, conn: Connection): void {
    this.drain(conn);
    const current = session.connection;
    if (current !== null && current !== conn) this.drain(current);
  }

  reply(conn: Connection, f: DecodedFrame, err: number, response: Response | null): void {
    conn.sendReply(f.xid, this.tree.lastZxid, err, response);
    this.finishRequest(conn, f);
  }

  finishRequest(conn: Connection, f: DecodedFrame): void {
    conn.outstanding--;
    this.stats.packetsSent++;
    const latency = Date.now() - f.receivedAt;
    conn.latency.record(latency);
    this.stats.latency.record(latency);
  }

  /** A request of the session arrived: it stays alive (the leader hears of it too). */
  private touchSession(session: SessionState, now: number): void {
    this.sessions.touch(session, now);
    this.onSessionActivity(session.id);
  }

  /** Set by an ensemble member to relay client activity to the leader. */
  onSessionActivity: (id: SessionId) => void = () => undefined;

  submitWrite(conn: Connection, f: DecodedFrame, req: ClientWrite) {
    const refusal = this.writes.refusal();
    if (refusal !== null) return this.reply(conn, f, refusal, null);
    const session = conn.session as SessionState;
    session.pendingWrites++;
    const input = { type: 'request' as const, sessionId: session.id, ids: conn.ids, request: req };
    this.writes.submit(input, (outcome) => {
      session.pendingWrites--;
      if (!outcome.ok) return conn.close();
      const { err, response } = writeReply(req, outcome.txn, outcome.result);
      this.reply(conn, f, err, response);
      this.drainSession(session, conn);
    });
  }

  /**
   * Runs `then` once this server has caught up with the leader's commit point (sync, and
   * every read in linearizable mode); the session's later requests wait for it.
   */
  afterSync(conn: Connection, then: () => void): void {
    const session = conn.session as SessionState;
    session.pendingWrites++;
    session.pendingSyncs++;
    this.writes.sync((ok) => {
      session.pendingWrites--;
      session.pendingSyncs--;
      if (!ok) return conn.close();
      if (conn.state !== 'connected') return;
      then();
      this.drainSession(session, conn);
    });
  }

  /**
   * Reconfig runs on the leader; once it is done, this server catches up and answers with
   * the new /zookeeper/config, as ZooKeeper does. Later requests of the session wait.
   */
  submitReconfig(conn: Connection, f: DecodedFrame, req: ReconfigRequest): void {
    const session = conn.session as SessionState;
    const writes = this.writes;
    if (writes.reconfig === undefined) return this.reply(conn, f, Err.reconfigDisabled, null);
    session.pendingWrites++;
    session.pendingSyncs++;
    const finish = () => {
      session.pendingWrites--;
      session.pendingSyncs--;
    };
    writes.reconfig(req, session.id, conn.ids).then(
      (err) => {
        if (err !== Err.ok) {
          finish();
          this.reply(conn, f, err, null);
          return this.drainSession(session, conn);
        }
        this.writes.sync((ok) => {
          finish();
          if (!ok) return conn.close();
          const ctx = { sessionId: session.id, ids: conn.ids, watches: this.watches };
          const request = { type: OpCode.getData, path: CONFIG_PATH, watch: false } as const;
          const result = reads.getData(this.tree, request, ctx);
          this.reply(conn, f, result.err, result.err === Err.ok ? result.response : null);
          this.drainSession(session, conn);
        });
      },
      () => {
        finish();
        conn.close();
      },
    );
  }

  submitClose(conn: Connection, f: DecodedFrame): void {
    const session = conn.session as SessionState;
    const refusal = this.writes.refusal();
    if (refusal !== null) return this.reply(conn, f, refusal, null);
    session.pendingWrites++;
    session.closing = true;
    session.closeRequested = true;
    this.writes.submit({ type: 'closeSession', sessionId: session.id }, (outcome) => {
      session.pendingWrites--;
      if (!outcome.ok) {
        session.closing = false;
        session.closeRequested = false;
        return conn.close();
      }
      const body = outcome.txn.body;
      this.reply(conn, f, body.type === 'error' ? body.err : Err.ok, null);
      conn.end();
    });
  }

  /** Leader only: sessions silent past their timeout are closed by a replicated txn. */
  private expireSessions(): void {
    const now = Date.now();
    const gap = now - this.lastExpiryCheck;
    this.lastExpiryCheck = now;
    // This process was frozen (SIGSTOP, a long pause): its clients were not the ones that
    // fell silent. Start every session's timeout afresh rather than expire them all.
    if (gap > Math.max(3 * this.config.tickTime, 1000)) {
      this.logger.warn({ pausedMs: gap }, 'this server was paused; renewing every session');
      return this.sessions.touchAll(now);
    }
    if (!this.writes.leads || this.writes.refusal() !== null) return;
    for (const session of this.sessions.expired(Date.now())) {
      this.logger.info({ session: `0x${session.id.toString(16)}` }, 'session expired');
      session.closing = true;
      this.writes.submit({ type: 'closeSession', sessionId: session.id }, (outcome) => {
        if (!outcome.ok) session.closing = false;
      });
    }
  }

  /** A server that just took the lead gives every session a full timeout first. */
  renewAllSessions(): void {
    this.sessions.touchAll(Date.now());
  }

  private reap(): void {
    if (!this.writes.leads || this.writes.refusal() !== null) return;
    const perRun = Math.max(
      1,
      Math.floor(
        (this.config.containerMaxPerMinute * this.config.containerCheckIntervalMs) / 60000,
      ),
    );
    const committed = new Overlay(this.tree);
    const now = Date.now();
    let reaped = 0;
    for (const path of this.tree.reapable) {
      if (reaped >= perRun) break;
      if (!reapDue(committed.lookup(path), now)) continue;
      reaped++;
      this.writes.submit({ type: 'reap', path });
    }
  }

  /** Every applied txn, whoever asked for it: sessions, then watch notifications. */
  onApplied(txn: Txn, result: ApplyResult): void {
    const body = txn.body;
    if (body.type === 'createSession' && this.sessions.get(body.sessionId) === undefined) {
      this.sessions.register(body.sessionId, body.timeoutMs, body.passwd, Date.now());
    }
    this.afterApply(result);
    if (body.type === 'closeSession') this.sessionClosed(body.sessionId);
  }

  private sessionClosed(id: SessionId): void {
    const session = this.sessions.remove(id);
    this.watches.removeSession(id);
    if (session === undefined) return;
    session.closing = true;
    const conn = session.connection;
    // An explicit close answers first and then ends the connection itself.
    if (conn !== null && !session.closeRequested) {
      session.connection = null;
      conn.close();
    }
  }

  /** Delivers the watch notifications of an applied txn, before anyone's reply. */
  private afterApply(result: ApplyResult): void {
    for (const event of result.events) {
      for (const n of this.watches.trigger(event, this.canRead)) {
        const conn = this.sessions.get(n.sessionId)?.connection;
        if (conn != null) conn.sendNotification(result.zxid, n.type, n.path);
      }
    }
    this.onAppliedHook(result.zxid);
  }

  private readonly canRead = (sessionId: SessionId, acl: readonly ACL[]): boolean => {
    const conn = this.sessions.get(sessionId)?.connection;
    if (conn == null) return false;
    return hasPerm(acl, Perm.read, conn.ids);
  };
}
