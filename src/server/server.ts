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
import type { MultiRequest, SetACLRequest, WriteSubRequest } from '../protocol/requests.js';
import type { Response } from '../protocol/responses.js';
import { hasPerm } from '../tree/acl.js';
import type { ApplyResult } from '../tree/apply.js';
import type { DataTree } from '../tree/data-tree.js';
import { Overlay } from '../tree/overlay.js';
import { prepareCloseSession, prepareReap, prepareWrite } from '../tree/prepare.js';
import type { Txn } from '../tree/txn.js';
import { WatchManager } from '../tree/watch-manager.js';
import { logRecoveryIntervalMs } from '../util/limits.js';
import { CommitPipeline, type TxnLog } from './commit-pipeline.js';
import type { ServerConfig } from './config.js';
import { Connection, type ConnectionHost } from './connection.js';
import { fourLetterWord } from './four-letter.js';
import { decodeFrame, handleRequest, isWrite, type DecodedFrame } from './request-handler.js';
import { SessionTracker, type SessionState } from './session-tracker.js';
import { ServerStats } from './stats.js';
import { writeReply } from './write-replies.js';

export interface ServerDeps {
  config: ServerConfig;
  tree: DataTree;
  log: TxnLog;
  logger: Logger;
  /** Called after each applied txn (the snapshot policy counts them). */
  onApplied?: (zxid: number) => void;
  /** After a log failure: try to make the log writable again (true = writes may resume). */
  tryRecoverLog?: () => Promise<boolean>;
  serverId?: number;
}

const ZERO_PASSWD = Buffer.alloc(16);

export class WarrenServer implements ConnectionHost {
  readonly config: ServerConfig;
  readonly tree: DataTree;
  readonly overlay: Overlay;
  readonly watches: WatchManager;
  readonly sessions: SessionTracker;
  readonly pipeline: CommitPipeline;
  readonly stats = new ServerStats();
  readonly connections = new Set<Connection>();
  readonly logger: Logger;
  readonly outstandingMax: number;
  private readonly perIp = new Map<string, number>();
  private nextZxid: number;
  private listener: Server | null = null;
  private timers: NodeJS.Timeout[] = [];
  private readonly onAppliedHook: (zxid: number) => void;
  private readonly tryRecoverLog: () => Promise<boolean>;

  constructor(deps: ServerDeps) {
    this.config = deps.config;
    this.tree = deps.tree;
    this.logger = deps.logger;
    this.overlay = new Overlay(this.tree);
    this.watches = new WatchManager(this.config.watchesPerSessionMax);
    this.sessions = new SessionTracker(this.config.tickTime, deps.serverId ?? 1, Date.now());
    this.outstandingMax = this.config.outstandingRequestsMax;
    this.nextZxid = this.tree.lastZxid + 1;
    this.onAppliedHook = deps.onApplied ?? (() => undefined);
    this.tryRecoverLog = deps.tryRecoverLog ?? (() => Promise.resolve(false));
    this.pipeline = new CommitPipeline(this.tree, this.overlay, deps.log, (e) =>
      this.onLogFailure(e),
    );
    // Sessions recovered from disk get a fresh timeout, as in ZooKeeper.
    for (const [id, record] of this.tree.sessions) {
      this.sessions.register(id, record.timeoutMs, record.passwd, Date.now());
    }
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
    await this.pipeline.idle();
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
    const { minSessionTimeout: min, maxSessionTimeout: max } = this.config;
    conn.timeoutMs = Math.min(Math.max(req.timeOut, min), max);
    conn.state = 'connecting';
    if (req.sessionId === 0n) return this.createSession(conn, req);
    this.reattachSession(conn, req);
  }

  private createSession(conn: Connection, req: ConnectRequest): void {
    if (this.pipeline.failure !== null) return conn.close();
    if (this.sessions.size >= this.config.sessionsMax) {
      this.logger.warn('session limit reached; refusing a new session');
      return conn.close();
    }
    const id = this.sessions.allocateId();
    const passwd = SessionTracker.newPassword();
    const timeoutMs = conn.timeoutMs;
    const txn = this.newTxn(0n, { type: 'createSession', sessionId: id, timeoutMs, passwd });
    // Reserve the id now so a concurrent handshake cannot pick it.
    const state = this.sessions.register(id, timeoutMs, passwd, Date.now());
    this.pipeline.submit({
      txn,
      onApplied: (result) => {
        this.afterApply(result);
        if (conn.state !== 'connecting') return;
        this.attach(conn, state, req, timeoutMs);
      },
      onFailed: () => {
        this.sessions.remove(id);
        conn.close();
      },
    });
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
    this.sessions.touch(state, Date.now());
    conn.sendConnectResponse({
      protocolVersion: 0,
      timeOut: timeoutMs,
      sessionId: state.id,
      passwd: state.passwd,
      readOnly: req.readOnly === null ? null : false,
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
    if (conn.session !== null) this.sessions.touch(conn.session, f.receivedAt);
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
      if ((!isWrite(f) || closing) && (conn.session?.pendingWrites ?? 0) > 0) break;
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

  private newTxn(sessionId: SessionId, body: Txn['body']): Txn {
    return { zxid: this.nextZxid++, time: Date.now(), sessionId, body };
  }

  submitWrite(
    conn: Connection,
    f: DecodedFrame,
    req: WriteSubRequest | SetACLRequest | MultiRequest,
  ) {
    if (this.pipeline.failure !== null) return this.reply(conn, f, Err.notReadOnly, null);
    const session = conn.session as SessionState;
    const txn = prepareWrite(req, this.overlay, {
      zxid: this.nextZxid++,
      time: Date.now(),
      sessionId: session.id,
      ids: conn.ids,
      extendedTypesEnabled: this.config.extendedTypesEnabled,
    });
    session.pendingWrites++;
    this.pipeline.submit({
      txn,
      onApplied: (result) => {
        this.afterApply(result);
        session.pendingWrites--;
        const { err, response } = writeReply(req, txn, result);
        this.reply(conn, f, err, response);
        this.drainSession(session, conn);
      },
      onFailed: () => {
        session.pendingWrites--;
        conn.close();
      },
    });
  }

  submitClose(conn: Connection, f: DecodedFrame): void {
    const session = conn.session as SessionState;
    if (this.pipeline.failure !== null) return this.reply(conn, f, Err.notReadOnly, null);
    session.pendingWrites++;
    this.closeSession(session, () => {
      session.pendingWrites--;
      this.reply(conn, f, Err.ok, null);
      conn.end();
    });
  }

  /** Prepares and submits the close txn (explicit close or expiry). */
  private closeSession(session: SessionState, done: () => void): void {
    session.closing = true;
    const committed = this.tree.ephemerals.get(session.id) ?? [];
    const txn = prepareCloseSession(session.id, committed, this.overlay, {
      zxid: this.nextZxid++,
      time: Date.now(),
    });
    this.pipeline.submit({
      txn,
      onApplied: (result) => {
        this.afterApply(result);
        this.sessions.remove(session.id);
        this.watches.removeSession(session.id);
        done();
      },
      onFailed: () => {
        session.closing = false;
        session.connection?.detach('log failure');
      },
    });
  }

  private expireSessions(): void {
    if (this.pipeline.failure !== null) return;
    for (const session of this.sessions.expired(Date.now())) {
      this.logger.info({ session: `0x${session.id.toString(16)}` }, 'session expired');
      this.closeSession(session, () => {
        const conn = session.connection;
        session.connection = null;
        conn?.close();
      });
    }
  }

  private reap(): void {
    if (this.pipeline.failure !== null) return;
    const perRun = Math.max(
      1,
      Math.floor(
        (this.config.containerMaxPerMinute * this.config.containerCheckIntervalMs) / 60000,
      ),
    );
    let reaped = 0;
    for (const path of [...this.tree.reapable]) {
      if (reaped >= perRun) break;
      const txn = prepareReap(path, this.overlay, {
        zxid: this.nextZxid,
        time: Date.now(),
        sessionId: 0n,
        ids: [],
        extendedTypesEnabled: true,
      });
      if (txn === null) continue;
      this.nextZxid++;
      reaped++;
      this.pipeline.submit({ txn, onApplied: (r) => this.afterApply(r), onFailed: () => {} });
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

  private onLogFailure(error: Error): void {
    this.logger.error(
      { err: error },
      'the transaction log failed: refusing writes until this is fixed (reads still served)',
    );
    // Prepared-but-failed txns never applied: their zxids are free again.
    this.nextZxid = this.tree.lastZxid + 1;
    const retry = setInterval(() => {
      this.tryRecoverLog().then(
        (ok) => {
          if (!ok || this.pipeline.failure === null) return;
          clearInterval(retry);
          this.nextZxid = this.tree.lastZxid + 1;
          this.pipeline.resume();
          this.logger.warn('the transaction log is writable again: accepting writes');
        },
        (e: unknown) => this.logger.error({ err: e }, 'log recovery attempt failed'),
      );
    }, logRecoveryIntervalMs);
    retry.unref();
    this.timers.push(retry);
  }
}
