/**
 * The session engine: keeps one session alive across connections. It connects to the hosts in
 * turn with exponential backoff and jitter, re-attaches with the session id, password and
 * lastZxidSeen, restores auth and watches, and pipelines requests: at most
 * maxOutstandingRequests are on the wire, the rest wait in order for room. Replies must come
 * back in request order (FIFO per session); a mismatch drops the connection. Requests on the
 * wire when a connection drops fail with ConnectionLossError (they may have run); those not
 * yet sent wait for the next connection.
 */
import { randomBytes } from 'node:crypto';
import { Err } from '../protocol/error-codes.js';
import type { JuteReader } from '../protocol/jute-reader.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import { OpCode, opName, Xid } from '../protocol/opcodes.js';
import { readWatcherEvent, type ConnectResponse, type ReplyHeader } from '../protocol/records.js';
import { decodeResponse } from '../protocol/responses.js';
import { ClientClosedError, RequestQueueFullError } from './client-errors.js';
import type { TimerHandle } from './clock.js';
import { shuffled, toClientPath, type ConnectString } from './connect-string.js';
import { Connection } from './connection.js';
import { Fifo } from './fifo.js';
import type { ResolvedOptions } from './options.js';
import { PendingRequest, type Reply, type RequestSpec } from './pending-request.js';
import { DigestMd5Client, SaslExchangeError, type SaslCredentials } from './sasl-digest-md5.js';
import { eventName, type SessionState } from './types.js';
import { WatchTable } from './watch-table.js';
import { AuthFailedError, ConnectionLossError, errorFor } from './zookeeper-errors.js';

interface AuthEntry {
  scheme: string;
  auth: Buffer;
  confirmed: boolean;
  waiter: { resolve: () => void; reject: (e: Error) => void } | undefined;
}

const XID_MAX = 0x7fffffff;
/** 128 bits of client nonce: more than RFC 2831's 64. */
const CNONCE_BYTES = 16;
const TERMINAL: ReadonlySet<SessionState> = new Set(['expired', 'authFailed', 'closed']);

export class Session {
  state: SessionState = 'connecting';
  sessionId = 0n;
  private passwd = Buffer.alloc(16);
  /** Whether a read-write server ever accepted us (else our session is read-only, local). */
  private seenReadWrite = false;
  negotiatedTimeoutMs = 0;
  lastZxidSeen = 0;
  readonly watches = new WatchTable();
  private connection: Connection | undefined;
  private readonly hosts;
  private hostIndex = 0;
  private attempt = 0;
  private xid = 0;
  private readonly waiting = new Fifo<PendingRequest>();
  private readonly outstanding = new Fifo<PendingRequest>();
  private readonly auths: AuthEntry[] = [];
  private readonly authPending = new Fifo<AuthEntry>();
  private retryTimer: TimerHandle | undefined;
  /** The error that ended the session (set once it is terminal). */
  endedBy: Error | undefined;
  /** A SASL exchange runs on the connection: other requests wait. */
  private authenticating = false;
  /** When the session last heard from a server (a reply or a handshake). */
  private lastHeardMs = 0;

  constructor(
    private readonly target: ConnectString,
    private readonly opts: ResolvedOptions,
    private readonly onState: (state: SessionState) => void,
  ) {
    this.hosts = opts.shuffleHosts
      ? shuffled(target.hosts, () => opts.clock.random())
      : [...target.hosts];
  }

  get isTerminal(): boolean {
    return TERMINAL.has(this.state);
  }

  get serverAddress(): string | undefined {
    const s = this.connection?.server;
    return s === undefined ? undefined : `${s.host}:${s.port}`;
  }

  /** The current connection (for tests and diagnostics). */
  get currentConnection(): Connection | undefined {
    return this.connection;
  }

  start(): void {
    void this.connectNext();
  }

  /** Queues a request; resolves with its reply (error codes included), never throws a code. */
  submit(spec: RequestSpec, timeoutMs: number, signal: AbortSignal | undefined): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const terminal = this.terminalError(spec.path, spec.request.type);
      if (terminal !== undefined) return reject(terminal);
      if (this.queueFull()) {
        const op = opName(spec.request.type);
        return reject(new RequestQueueFullError(op, spec.path, this.waiting.length));
      }
      const pending = new PendingRequest(spec, this.opts.maxRequestBytes, resolve, reject);
      pending.arm(timeoutMs, signal, this.opts.clock);
      if (pending.done) return;
      this.waiting.push(pending);
      this.pump();
    });
  }

  /** Adds an auth identity; it is re-sent on every new connection once confirmed. */
  addAuth(scheme: string, auth: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const terminal = this.terminalError('', OpCode.auth);
      if (terminal !== undefined) return reject(terminal);
      const entry: AuthEntry = { scheme, auth, confirmed: false, waiter: { resolve, reject } };
      this.auths.push(entry);
      if (this.connection !== undefined) this.sendAuth(entry);
    });
  }

  private terminalError(path: string, type: number): Error | undefined {
    const op = type === OpCode.auth ? 'addAuth' : opName(type);
    if (this.state === 'closed') return new ClientClosedError(op);
    if (this.state === 'expired') return errorFor(Err.sessionExpired, path, op);
    if (this.state === 'authFailed') return errorFor(Err.authFailed, path, op);
    return undefined;
  }

  /** True when maxQueuedRequests calls wait to be sent (settled ones are dropped first). */
  private queueFull(): boolean {
    if (this.waiting.length < this.opts.maxQueuedRequests) return false;
    for (const pending of this.waiting.drain()) if (!pending.done) this.waiting.push(pending);
    return this.waiting.length >= this.opts.maxQueuedRequests;
  }

  private nextXid(): number {
    this.xid = this.xid >= XID_MAX ? 1 : this.xid + 1;
    return this.xid;
  }

  /** Sends waiting requests while there is room on the wire. */
  private pump(): void {
    const connection = this.connection;
    if (connection === undefined || this.authenticating) return;
    while (this.outstanding.length < this.opts.maxOutstandingRequests) {
      const next = this.waiting.shift();
      if (next === undefined) return;
      if (next.done) continue;
      this.sendNow(connection, next);
    }
  }

  private sendNow(connection: Connection, pending: PendingRequest): void {
    this.outstanding.push(pending);
    connection.send(pending.frameWithXid(this.nextXid()));
  }

  private sendAuth(entry: AuthEntry): void {
    const w = new JuteWriter(64 + entry.auth.length + entry.scheme.length);
    const at = w.beginFrame();
    w.writeInt(Xid.auth).writeInt(OpCode.auth).writeInt(0);
    w.writeString(entry.scheme).writeBuffer(entry.auth);
    w.endFrame(at);
    this.authPending.push(entry);
    this.connection?.send(w.toBuffer());
  }

  // ---- connecting ----

  private backoffMs(): number {
    const { initial, max } = this.opts.reconnectDelayMs;
    const base = Math.min(max, initial * 2 ** Math.min(this.attempt - 1, 30));
    return base * (0.5 + this.opts.clock.random() / 2);
  }

  private async connectNext(): Promise<void> {
    if (this.isTerminal) return;
    if (this.attempt > 0) {
      await new Promise<void>((resolve) => {
        this.retryTimer = this.opts.clock.setTimeout(resolve, this.backoffMs());
      });
      if (this.isTerminal) return;
    }
    // Like the Java client (3.9.3+): no server for 4/3 of the timeout means the session is gone.
    const silentMs = this.opts.clock.now() - this.lastHeardMs;
    if (this.sessionId !== 0n && silentMs > (this.negotiatedTimeoutMs * 4) / 3) {
      const error = errorFor(Err.sessionExpired, '', 'connect');
      this.terminate('expired', error);
      return;
    }
    const server = this.hosts[this.hostIndex++ % this.hosts.length];
    if (server === undefined) return;
    const connectTimeoutMs =
      this.opts.connectTimeoutMs ??
      Math.max(1000, Math.floor(this.opts.sessionTimeoutMs / this.hosts.length));
    try {
      const { connection, response } = await Connection.open(
        server,
        {
          protocolVersion: 0,
          lastZxidSeen: this.lastZxidSeen,
          timeOut: this.opts.sessionTimeoutMs,
          // A session from a read-only server lived only there (ZooKeeper's clients do
          // the same): until a read-write server has been seen, ask for a new session.
          sessionId: this.seenReadWrite ? this.sessionId : 0n,
          passwd: this.seenReadWrite ? this.passwd : Buffer.alloc(16),
          readOnly: this.opts.canBeReadOnly,
        },
        {
          connectTimeoutMs,
          frameBytesMax: this.opts.maxReplyBytes,
          tls: this.opts.tls,
          clock: this.opts.clock,
          transport: this.opts.transport,
        },
      );
      if (this.isTerminal) return connection.end(new Error('client closed'));
      this.attempt = 0;
      this.established(connection, response);
    } catch {
      // The host is down or refused us (e.g. it has older state): try the next one.
      this.attempt++;
      void this.connectNext();
    }
  }

  private established(connection: Connection, response: ConnectResponse): void {
    if (response.timeOut <= 0) {
      connection.end(new Error('session expired'));
      this.terminate('expired', errorFor(Err.sessionExpired, '', 'connect'));
      return;
    }
    const reattached = this.sessionId !== 0n && this.seenReadWrite;
    if (response.readOnly !== true) this.seenReadWrite = true;
    this.lastHeardMs = this.opts.clock.now();
    this.sessionId = response.sessionId;
    this.passwd = Buffer.from(response.passwd);
    this.negotiatedTimeoutMs = response.timeOut;
    this.connection = connection;
    connection.attach(
      {
        onReply: (header, body) => this.onReply(header, body),
        onClosed: (reason) => this.onClosed(connection, reason),
      },
      response.timeOut,
    );
    if (this.connection !== connection) return; // it ended before it was attached
    const sasl = this.opts.sasl;
    if (sasl !== undefined) {
      // Like the Java client: nothing else goes out until the SASL exchange is over.
      this.authenticating = true;
      void this.saslLogin(connection, sasl).then((ok) => {
        if (ok && this.connection === connection) this.ready(connection, response, reattached);
      });
      return;
    }
    this.ready(connection, response, reattached);
  }

  /** The connection may carry requests: restores auth and watches, then sends what waits. */
  private ready(connection: Connection, response: ConnectResponse, reattached: boolean): void {
    for (const entry of this.auths) this.sendAuth(entry);
    if (reattached && !this.watches.isEmpty) {
      for (const request of this.watches.restoreRequests(this.lastZxidSeen)) {
        const pending = new PendingRequest(
          { request, path: '' },
          Number.MAX_SAFE_INTEGER,
          () => undefined,
          () => undefined,
        );
        this.sendNow(connection, pending);
      }
    }
    this.pump();
    this.setState(response.readOnly === true ? 'readOnly' : 'connected');
  }

  /**
   * Runs the DIGEST-MD5 exchange on a new connection: an empty token, the digest-response to
   * the challenge, then the server's proof. True when it succeeded on a connection still ours;
   * a refusal (or a server without the proof) ends the session as authFailed.
   */
  private async saslLogin(connection: Connection, credentials: SaslCredentials): Promise<boolean> {
    const exchange = new DigestMd5Client(credentials, randomBytes(CNONCE_BYTES).toString('base64'));
    const step = (token: Buffer): Promise<Reply> =>
      new Promise<Reply>((resolve, reject) => {
        const spec: RequestSpec = { request: { type: OpCode.sasl, token }, path: '' };
        const pending = new PendingRequest(spec, this.opts.maxRequestBytes, resolve, reject);
        pending.arm(this.opts.requestTimeoutMs, undefined, this.opts.clock);
        this.sendNow(connection, pending);
      });
    const tokenOf = (reply: Reply): Buffer | null =>
      reply.response?.kind === 'sasl' ? reply.response.token : null;
    try {
      const challenge = await step(Buffer.alloc(0));
      if (challenge.err !== Err.ok) return this.saslRefused(connection, challenge.err);
      const proof = await step(exchange.respond(tokenOf(challenge) ?? Buffer.alloc(0)));
      if (proof.err !== Err.ok) return this.saslRefused(connection, proof.err);
      exchange.verify(tokenOf(proof));
    } catch (error) {
      if (this.connection !== connection) return false; // lost: the next connection retries
      if (!(error instanceof SaslExchangeError)) {
        connection.end(error as Error); // a timeout: try again on a new connection
        return false;
      }
      return this.saslRefused(connection, Err.authFailed, error.message);
    }
    if (this.connection !== connection) return false;
    this.authenticating = false;
    return true;
  }

  private saslRefused(connection: Connection, err: number, why?: string): false {
    if (this.connection !== connection) return false;
    const reason = why ?? 'the server refused the SASL login';
    const error = new AuthFailedError(
      err,
      `SASL (DIGEST-MD5) authentication failed: ${reason}; the session is closed`,
      '',
      'connect',
    );
    this.terminate('authFailed', error);
    return false;
  }

  private setState(state: SessionState): void {
    if (this.state === state) return;
    this.state = state;
    this.onState(state);
  }

  // ---- replies ----

  private onReply(header: ReplyHeader, body: JuteReader): void {
    this.lastHeardMs = this.opts.clock.now();
    if (header.xid !== Xid.notification && header.zxid > this.lastZxidSeen) {
      this.lastZxidSeen = header.zxid;
    }
    if (header.xid === Xid.ping) return;
    if (header.xid === Xid.notification) return this.onNotification(body);
    if (header.xid === Xid.auth) return this.onAuthReply(header.err);
    const head = this.outstanding.shift();
    if (head === undefined || head.xid !== header.xid) {
      throw new Error(`reply xid ${header.xid} out of order (expected ${head?.xid ?? 'none'})`);
    }
    let response = null;
    try {
      if (header.err === 0) response = decodeResponse(head.type, body);
    } catch (error) {
      head.fail(errorFor(Err.marshallingError, head.spec.path, head.op));
      throw error;
    }
    head.succeed({ err: header.err, zxid: header.zxid, response });
    if (head.type === OpCode.closeSession) this.terminate('closed', new ClientClosedError('close'));
    else this.pump();
  }

  private onNotification(body: JuteReader): void {
    const event = readWatcherEvent(body);
    const type = eventName(event.type);
    if (type === undefined) return;
    const watchers = this.watches.fire(event.type, event.path);
    const watched = { type, path: toClientPath(this.target.chroot, event.path) };
    for (const watcher of watchers) {
      try {
        watcher(watched);
      } catch (error) {
        // A throwing watcher is the caller's bug: surface it like an EventEmitter would.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  private onAuthReply(err: number): void {
    const entry = this.authPending.shift();
    if (err === 0) {
      if (entry === undefined) return;
      entry.confirmed = true;
      entry.waiter?.resolve();
      entry.waiter = undefined;
      return;
    }
    const error = new AuthFailedError(
      err,
      `authentication with scheme '${entry?.scheme ?? '?'}' failed; the server closed the session`,
      '',
      'addAuth',
    );
    entry?.waiter?.reject(error);
    this.terminate('authFailed', error);
  }

  // ---- losing the connection ----

  private onClosed(connection: Connection, reason: Error): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    this.authenticating = false;
    const lost = (op: string, path: string): Error =>
      new ConnectionLossError(
        Err.connectionLoss,
        `the connection to the server was lost (${reason.message}); ` +
          `the request may or may not have run (${op}${path === '' ? '' : ' ' + path})`,
        path,
        op,
        { cause: reason },
      );
    for (const pending of this.outstanding.drain()) {
      pending.fail(lost(pending.op, pending.spec.path));
    }
    this.dropUnconfirmedAuths(lost('addAuth', ''));
    if (this.isTerminal) return;
    this.setState('disconnected');
    this.attempt = 1;
    void this.connectNext();
  }

  private dropUnconfirmedAuths(error: Error): void {
    this.authPending.drain();
    for (let i = this.auths.length - 1; i >= 0; i--) {
      const entry = this.auths[i];
      if (entry === undefined || entry.confirmed) continue;
      entry.waiter?.reject(error);
      this.auths.splice(i, 1);
    }
  }

  /** Ends the session for good: everything still queued fails with `error`. */
  terminate(state: 'expired' | 'authFailed' | 'closed', error: Error): void {
    if (this.isTerminal) return;
    this.opts.clock.clearTimeout(this.retryTimer);
    this.state = state;
    this.endedBy = error;
    const connection = this.connection;
    this.connection = undefined;
    for (const pending of [...this.outstanding.drain(), ...this.waiting.drain()]) {
      pending.fail(error);
    }
    this.dropUnconfirmedAuths(error);
    connection?.end(error);
    this.onState(state);
  }
}
