/**
 * A minimal ZooKeeper-protocol client over one TCP connection, for tests, the differential
 * harness and benchmarks (no test-framework imports). It does the handshake, sends requests
 * with increasing xids, matches replies strictly in request order (pings aside), decodes
 * bodies with src/protocol, and keeps an ordered log of every frame received so tests can
 * assert how notifications interleave with replies (ping replies are logged as 'ping').
 * Anything the server does that a real client would reject (xid out of order, trailing
 * bytes, bad lengths) is recorded in `protocolErrors` rather than thrown, so a test can
 * assert that list is empty.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { JuteReader } from '../../src/protocol/jute-reader.js';
import { JuteWriter } from '../../src/protocol/jute-writer.js';
import { OpCode, Xid, opName } from '../../src/protocol/opcodes.js';
import {
  readConnectResponse,
  readReplyHeader,
  readWatcherEvent,
  writeConnectRequest,
  type ConnectResponse,
  type ReplyHeader,
  type WatcherEvent,
} from '../../src/protocol/records.js';
import { encodeRequest, type Request } from '../../src/protocol/requests.js';
import { decodeResponse, type Response } from '../../src/protocol/responses.js';

/** 1 MiB plus slack: ZooKeeper does not cap the frames it sends, a test client should. */
export const RAW_FRAME_BYTES_MAX = 1024 * 1024 + 64 * 1024;
const XID_MAX = 0x7fffffff;

export interface RawClientOptions {
  /** Requested session timeout. */
  timeoutMs: number;
  /** 0n or absent: create a new session. */
  sessionId?: bigint;
  passwd?: Buffer;
  /** null: omit the readOnly byte (44-byte ConnectRequest, like node-zookeeper-client). */
  readOnly?: boolean | null;
  lastZxidSeen?: number;
  /** How long to wait for the TCP connect and the ConnectResponse. */
  connectTimeoutMs?: number;
  /** A request without a reply after this long is rejected (and recorded). 0 = never. */
  replyTimeoutMs?: number;
  frameBytesMax?: number;
  /** Connect from this local address (e.g. 127.0.0.2, to be another client host). */
  localAddress?: string;
}

export interface RawReply {
  header: ReplyHeader;
  /** The decoded body when err == 0 (multi always has one); null for error replies. */
  response: Response | null;
}

export type RawEvent =
  | { kind: 'reply'; opcode: number; header: ReplyHeader; response: Response | null }
  | { kind: 'notification'; header: ReplyHeader; event: WatcherEvent }
  /** A ping reply: matched outside the request queue, logged apart from replies. */
  | { kind: 'ping'; header: ReplyHeader };

interface Pending {
  xid: number;
  opcode: number;
  resolve: (reply: RawReply) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | null;
}

export class RawClientError extends Error {
  override readonly name = 'RawClientError';
  readonly code = 'WARREN_RAW_CLIENT';
}

export class RawClient {
  /** Everything received after the handshake, in arrival order. */
  readonly events: RawEvent[] = [];
  /** Violations of the protocol observed on this connection (empty in a healthy run). */
  readonly protocolErrors: string[] = [];
  /** Socket errors after the handshake (e.g. ECONNRESET when the server drops us). */
  readonly socketErrors: string[] = [];
  /** Resolves once the socket has closed, for whatever reason. Never rejects. */
  readonly closed: Promise<void>;
  /** Highest positive reply zxid seen (pings and notifications excluded), like Java's. */
  lastZxid: number;

  private readonly decoder: FrameDecoder;
  private readonly writer = new JuteWriter(4096);
  private readonly pending: Pending[] = [];
  private readonly pings: Pending[] = [];
  private nextXid = 1;
  private isClosed = false;
  private connectResponse: ConnectResponse | null = null;
  private markClosed!: () => void;

  private constructor(
    private readonly socket: Socket,
    private readonly options: RawClientOptions,
  ) {
    this.decoder = new FrameDecoder(options.frameBytesMax ?? RAW_FRAME_BYTES_MAX);
    this.lastZxid = options.lastZxidSeen ?? 0;
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
  }

  /**
   * Connects and performs the handshake. Resolves with the client even when the server
   * answers "session invalid" (timeOut 0): check `timeOut`. Rejects when the server closes
   * without a ConnectResponse (e.g. lastZxidSeen ahead of the server) or on timeout.
   */
  static connect(host: string, port: number, options: RawClientOptions): Promise<RawClient> {
    const socket = netConnect({ host, port, localAddress: options.localAddress });
    socket.setNoDelay(true);
    const client = new RawClient(socket, options);
    return client.handshake();
  }

  get sessionId(): bigint {
    return this.handshakeReply().sessionId;
  }

  get passwd(): Buffer {
    return this.handshakeReply().passwd;
  }

  /** Negotiated session timeout; 0 means the server declared the session invalid. */
  get timeOut(): number {
    return this.handshakeReply().timeOut;
  }

  get readOnly(): boolean | null {
    return this.handshakeReply().readOnly;
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Requests sent but not yet answered (pings excluded). */
  get outstanding(): number {
    return this.pending.length;
  }

  /** Sends a request with the next xid (auth uses −4) and resolves with its in-order reply. */
  request(req: Request): Promise<RawReply> {
    if (req.type === 'unknown') {
      return this.requestRaw(this.takeXid(), req.opcode, Buffer.alloc(0));
    }
    if (req.type === OpCode.ping) return this.ping().then((header) => ({ header, response: null }));
    const xid = req.type === OpCode.auth ? Xid.auth : this.takeXid();
    const w = this.writer.reset();
    const at = w.beginFrame();
    w.writeInt(xid).writeInt(req.type);
    encodeRequest(w, req);
    w.endFrame(at);
    return this.send(xid, req.type, w.toBuffer(), this.pending);
  }

  /** Sends `body` under a RequestHeader of the caller's choosing (malformed-input tests). */
  requestRaw(xid: number, opcode: number, body: Buffer): Promise<RawReply> {
    const w = this.writer.reset();
    const at = w.beginFrame();
    w.writeInt(xid).writeInt(opcode).writeRaw(body);
    w.endFrame(at);
    return this.send(xid, opcode, w.toBuffer(), this.pending);
  }

  /** Writes bytes as they are, with no framing and no reply expected. */
  writeRaw(bytes: Buffer): void {
    if (!this.isClosed) this.socket.write(bytes);
  }

  /** Sends a ping (xid −2); resolves with the reply header. */
  async ping(): Promise<ReplyHeader> {
    const w = this.writer.reset();
    const at = w.beginFrame();
    w.writeInt(Xid.ping).writeInt(OpCode.ping);
    w.endFrame(at);
    const reply = await this.send(Xid.ping, OpCode.ping, w.toBuffer(), this.pings);
    return reply.header;
  }

  /** Sends closeSession, waits for its reply and for the server to close the socket. */
  async close(): Promise<ReplyHeader> {
    const reply = await this.request({ type: OpCode.closeSession });
    await this.closed;
    return reply.header;
  }

  /** Drops the TCP connection without closing the session. */
  destroy(): void {
    this.socket.destroy();
  }

  private handshakeReply(): ConnectResponse {
    if (this.connectResponse === null) throw new RawClientError('handshake not complete');
    return this.connectResponse;
  }

  private takeXid(): number {
    const xid = this.nextXid;
    this.nextXid = xid >= XID_MAX ? 1 : xid + 1;
    return xid;
  }

  private send(xid: number, opcode: number, frame: Buffer, queue: Pending[]): Promise<RawReply> {
    if (this.isClosed) {
      return Promise.reject(new RawClientError(`${opName(opcode)}: connection is closed`));
    }
    return new Promise<RawReply>((resolve, reject) => {
      const entry: Pending = { xid, opcode, resolve, reject, timer: null };
      const timeoutMs = this.options.replyTimeoutMs ?? 30_000;
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => this.onReplyTimeout(entry, queue, timeoutMs), timeoutMs);
        entry.timer.unref();
      }
      queue.push(entry);
      this.socket.write(frame);
    });
  }

  private onReplyTimeout(entry: Pending, queue: Pending[], timeoutMs: number): void {
    const at = queue.indexOf(entry);
    if (at < 0) return;
    queue.splice(at, 1);
    const what = `${opName(entry.opcode)} xid ${entry.xid}`;
    this.protocolErrors.push(`no reply to ${what} within ${timeoutMs} ms`);
    entry.reject(new RawClientError(`no reply to ${what} within ${timeoutMs} ms`));
  }

  private handshake(): Promise<RawClient> {
    return new Promise<RawClient>((resolve, reject) => {
      const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        reject(new RawClientError(`no ConnectResponse within ${timeoutMs} ms`));
        this.socket.destroy();
      }, timeoutMs);
      timer.unref();
      const fail = (why: string): void => {
        clearTimeout(timer);
        reject(new RawClientError(why));
      };
      this.socket.on('error', (err) => {
        if (this.connectResponse === null) fail(`connect failed: ${err.message}`);
        else if (!this.isClosed) this.socketErrors.push(err.message);
      });
      this.socket.on('close', () => {
        if (this.connectResponse === null) fail('server closed the connection before replying');
        this.onClose();
      });
      this.socket.on('connect', () => this.socket.write(this.connectFrame()));
      this.socket.on('data', (chunk: Buffer) => {
        const first = this.connectResponse === null;
        this.onData(chunk);
        if (first && this.connectResponse !== null) {
          clearTimeout(timer);
          resolve(this);
        }
      });
    });
  }

  private connectFrame(): Buffer {
    const w = this.writer.reset();
    const at = w.beginFrame();
    writeConnectRequest(w, {
      protocolVersion: 0,
      lastZxidSeen: this.options.lastZxidSeen ?? 0,
      timeOut: this.options.timeoutMs,
      sessionId: this.options.sessionId ?? 0n,
      passwd: this.options.passwd ?? Buffer.alloc(16),
      readOnly: this.options.readOnly === undefined ? false : this.options.readOnly,
    });
    w.endFrame(at);
    return w.toBuffer();
  }

  private onData(chunk: Buffer): void {
    this.onFrames(this.decoder.push(chunk));
    // A bad length: the frames before it were handled above; then give up the connection.
    const failure = this.decoder.failure;
    if (failure !== null && !this.isClosed) {
      this.protocolErrors.push(failure.message);
      this.socket.destroy();
    }
  }

  private onFrames(frames: Buffer[]): void {
    for (const frame of frames) {
      if (this.isClosed) return;
      try {
        if (this.connectResponse === null) this.onConnectResponse(frame);
        else this.onFrame(frame);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.protocolErrors.push(`undecodable frame (${frame.length} bytes): ${message}`);
        this.socket.destroy();
        return;
      }
    }
  }

  private onConnectResponse(frame: Buffer): void {
    const r = new JuteReader(frame);
    const res = readConnectResponse(r);
    this.connectResponse = res;
    const sentReadOnly = this.options.readOnly !== null;
    if (sentReadOnly !== (res.readOnly !== null)) {
      this.protocolErrors.push(
        `ConnectResponse is ${frame.length} bytes: readOnly byte ` +
          (sentReadOnly ? 'missing' : 'present though the request omitted it'),
      );
    }
    if (res.passwd.length !== 16) {
      this.protocolErrors.push(`ConnectResponse passwd is ${res.passwd.length} bytes, not 16`);
    }
    if (res.timeOut <= 0 !== (res.sessionId === 0n)) {
      this.protocolErrors.push(
        `ConnectResponse timeOut ${res.timeOut} with sessionId ${res.sessionId}`,
      );
    }
    if (r.remaining > 0) this.protocolErrors.push(`ConnectResponse: ${r.remaining} extra bytes`);
  }

  private onFrame(frame: Buffer): void {
    const r = new JuteReader(frame);
    const header = readReplyHeader(r);
    if (header.xid === Xid.notification) {
      const event = readWatcherEvent(r);
      this.checkDrained(r, 'notification');
      this.events.push({ kind: 'notification', header, event });
      return;
    }
    const entry = this.match(header);
    if (entry === null) return;
    if (entry.timer !== null) clearTimeout(entry.timer);
    // Like the Java client: ping replies (and notifications) do not move lastZxid.
    if (header.xid !== Xid.ping && header.zxid > this.lastZxid) this.lastZxid = header.zxid;
    let response: Response | null = null;
    try {
      // ZooKeeper refuses a multiRead of write sub-ops with MarshallingError and an empty
      // multi body: the one error reply that carries a body.
      const body = header.err === 0 || (entry.opcode === OpCode.multiRead && r.remaining > 0);
      if (body) response = decodeResponse(entry.opcode, r);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const what = `${opName(entry.opcode)} reply xid ${header.xid}`;
      entry.reject(new RawClientError(`undecodable ${what}: ${message}`));
      throw err;
    }
    this.checkDrained(r, `${opName(entry.opcode)} reply (err ${header.err})`);
    if (header.xid === Xid.ping) this.events.push({ kind: 'ping', header });
    else this.events.push({ kind: 'reply', opcode: entry.opcode, header, response });
    entry.resolve({ header, response });
  }

  /** Finds the request a reply answers; records an error unless it is the oldest one. */
  private match(header: ReplyHeader): Pending | null {
    if (header.xid === Xid.ping) {
      const ping = this.pings.shift();
      if (ping !== undefined) return ping;
      this.protocolErrors.push('ping reply with no ping outstanding');
      return null;
    }
    const head = this.pending[0];
    if (head !== undefined && head.xid === header.xid) return this.pending.shift() ?? null;
    const expected = head === undefined ? 'none outstanding' : `expected xid ${head.xid}`;
    this.protocolErrors.push(`reply xid ${header.xid} out of order (${expected})`);
    // Still resolve the request it answers, so a test fails on the assertion, not a hang.
    const at = this.pending.findIndex((p) => p.xid === header.xid);
    if (at < 0) return null;
    return this.pending.splice(at, 1)[0] ?? null;
  }

  private checkDrained(r: JuteReader, what: string): void {
    if (r.remaining > 0) this.protocolErrors.push(`${what}: ${r.remaining} trailing bytes`);
  }

  private onClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const entry of [...this.pending, ...this.pings]) {
      if (entry.timer !== null) clearTimeout(entry.timer);
      const what = `${opName(entry.opcode)} xid ${entry.xid}`;
      entry.reject(new RawClientError(`connection closed before the reply to ${what}`));
    }
    this.pending.length = 0;
    this.pings.length = 0;
    this.markClosed();
  }
}
