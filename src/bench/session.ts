/**
 * One benchmark session over one TCP connection: the ZooKeeper handshake, then a closed loop
 * that keeps up to `inflight` requests outstanding, sending the next one as each reply comes.
 * Replies must come back in request order (ZooKeeper answers a session's requests FIFO); one
 * that does not is a server bug and fails the session. Bodies are not decoded: the benchmark
 * needs only the reply header's err. Requests made while handling one socket chunk go out in
 * one write, as a real pipelining client would send them.
 */
import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import { JuteReader } from '../protocol/jute-reader.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import { OpCode, Xid } from '../protocol/opcodes.js';
import { readConnectResponse, readReplyHeader, writeConnectRequest } from '../protocol/records.js';
import { encodeRequest, type Request } from '../protocol/requests.js';
import type { RequestSource } from './workload.js';

/** A reply frame larger than this fails the session (replies here are a few hundred bytes). */
const FRAME_BYTES_MAX = 4 * 1024 * 1024;
const WRITER_BYTES = 64 * 1024;
const XID_MAX = 0x7fffffff;
/** Outstanding requests per session, bounded so the ring stays small. */
export const INFLIGHT_MAX = 65_536;

export interface SessionOptions {
  sessionTimeoutMs: number;
  connectTimeoutMs: number;
  /** TLS with this CA (PEM text); plain TCP when absent. */
  tlsCa?: string;
}

/** Called for every reply: the request's opcode, the reply's err, the latency, its size. */
export type ReplyListener = (
  opcode: number,
  err: number,
  latencyMs: number,
  frameBytes: number,
) => void;

export class SessionFailedError extends Error {
  override readonly name = 'SessionFailedError';
  readonly code = 'WARREN_BENCH_SESSION';
}

function opcodeOf(request: Request): number {
  if (request.type === 'unknown') throw new SessionFailedError('cannot send an unknown opcode');
  return request.type;
}

export class BenchSession {
  private readonly decoder = new FrameDecoder(FRAME_BYTES_MAX);
  private readonly writer = new JuteWriter(WRITER_BYTES);
  private sentAt = new Float64Array(0);
  private sentXid = new Int32Array(0);
  private sentOp = new Int32Array(0);
  private mask = 0;
  private head = 0;
  private outstanding = 0;
  private nextXid = 1;
  private source: RequestSource | null = null;
  private inflight = 0;
  private stopped = false;
  private failure: Error | null = null;
  private listener: ReplyListener = () => undefined;
  private idleWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private handshake: { resolve: (id: bigint) => void; reject: (e: Error) => void } | null = null;
  private closing = false;
  private pingSentAt: number | null = null;
  sessionId = 0n;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => {
      if (!this.closing) this.fail(new SessionFailedError('the server closed the connection'));
      else this.releaseIdleWaiters();
    });
  }

  /** Connects and completes the handshake. */
  static async open(host: string, port: number, opts: SessionOptions): Promise<BenchSession> {
    const socket =
      opts.tlsCa === undefined
        ? connect({ host, port })
        : tlsConnect({
            host,
            port,
            ca: opts.tlsCa,
            ...(isIP(host) === 0 ? { servername: host } : {}),
          });
    const session = new BenchSession(socket);
    const timer = setTimeout(() => {
      session.fail(new SessionFailedError(`no session from ${host}:${port} in time`));
    }, opts.connectTimeoutMs);
    try {
      session.sessionId = await new Promise<bigint>((resolve, reject) => {
        session.handshake = { resolve, reject };
        const w = session.writer.reset();
        const at = w.beginFrame();
        writeConnectRequest(w, {
          protocolVersion: 0,
          lastZxidSeen: 0,
          timeOut: opts.sessionTimeoutMs,
          sessionId: 0n,
          passwd: Buffer.alloc(16),
          readOnly: false,
        });
        w.endFrame(at);
        session.flush();
      });
    } catch (error) {
      socket.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return session;
  }

  /** Starts the closed loop: pulls from `source` until it returns null or stop() is called. */
  run(source: RequestSource, inflight: number, listener: ReplyListener): void {
    if (this.source !== null) throw new SessionFailedError('run() called twice');
    if (inflight < 1 || inflight > INFLIGHT_MAX) {
      throw new SessionFailedError(`inflight ${inflight} is outside 1..${INFLIGHT_MAX}`);
    }
    let capacity = 2;
    while (capacity < inflight + 2) capacity *= 2;
    this.sentAt = new Float64Array(capacity);
    this.sentXid = new Int32Array(capacity);
    this.sentOp = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.source = source;
    this.inflight = inflight;
    this.listener = listener;
    this.fill();
    this.flush();
  }

  /** Sends nothing more; replies still outstanding are still delivered. */
  stop(): void {
    this.stopped = true;
    this.notifyIfIdle();
  }

  /** Resolves once nothing is outstanding and nothing more will be sent. */
  idle(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.idleWaiters.push({ resolve, reject });
      this.notifyIfIdle();
    });
  }

  /**
   * Stops, waits for outstanding replies, closes the session (closeSession) and the socket.
   * Resolves true on a clean close, false if the session had failed or a step timed out.
   */
  async close(timeoutMs: number): Promise<boolean> {
    this.stop();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const settled = (): Promise<boolean> =>
      Promise.race([
        this.idle().then(
          () => true,
          () => false,
        ),
        timeout,
      ]);
    try {
      if (this.failure !== null) return false;
      if (this.source !== null && !(await settled())) return false;
      const closeSession = oneShot({ type: OpCode.closeSession });
      this.closing = true;
      this.stopped = false;
      if (this.source === null) {
        this.run(closeSession, 1, () => undefined);
      } else {
        this.listener = () => undefined;
        this.source = closeSession;
        this.fill();
        this.flush();
      }
      this.stopped = true;
      return await settled();
    } finally {
      clearTimeout(timer);
      this.closing = true;
      this.socket.destroy();
    }
  }

  private onData(chunk: Buffer): void {
    const frames = this.decoder.push(chunk);
    if (this.decoder.failure !== null) {
      this.fail(this.decoder.failure);
      return;
    }
    const now = performance.now();
    try {
      for (const frame of frames) {
        if (this.failure !== null) return;
        if (this.handshake !== null) this.onConnectResponse(frame);
        else this.onReply(frame, now);
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.failure !== null) return;
    this.fill();
    this.flush();
    this.notifyIfIdle();
  }

  private onConnectResponse(frame: Buffer): void {
    const waiter = this.handshake;
    this.handshake = null;
    const response = readConnectResponse(new JuteReader(frame));
    if (response.sessionId === 0n || response.timeOut <= 0) {
      const error = new SessionFailedError(`session refused (timeOut ${response.timeOut})`);
      waiter?.reject(error);
      this.fail(error);
      return;
    }
    waiter?.resolve(response.sessionId);
  }

  private onReply(frame: Buffer, now: number): void {
    const header = readReplyHeader(new JuteReader(frame));
    if (header.xid === Xid.notification) {
      this.onNotification();
      return;
    }
    if (header.xid === Xid.ping) {
      const sentAt = this.pingSentAt;
      this.pingSentAt = null;
      if (sentAt !== null) this.onPing(now - sentAt);
      return;
    }
    const slot = this.head;
    if (this.outstanding === 0 || header.xid !== this.sentXid[slot]) {
      const expected = this.outstanding === 0 ? 'none' : String(this.sentXid[slot]);
      this.fail(new SessionFailedError(`reply xid ${header.xid}, expected ${expected}`));
      return;
    }
    this.head = (slot + 1) & this.mask;
    this.outstanding--;
    this.listener(this.sentOp[slot]!, header.err, now - this.sentAt[slot]!, frame.length);
  }

  private fill(): void {
    const source = this.source;
    if (source === null || this.stopped) return;
    const w = this.writer;
    const now = performance.now();
    while (this.outstanding < this.inflight) {
      const request = source();
      if (request === null) {
        this.stopped = true;
        return;
      }
      const xid = this.nextXid;
      this.nextXid = xid === XID_MAX ? 1 : xid + 1;
      const opcode = opcodeOf(request);
      const at = w.beginFrame();
      w.writeInt(xid).writeInt(opcode);
      encodeRequest(w, request);
      w.endFrame(at);
      const slot = (this.head + this.outstanding) & this.mask;
      this.sentXid[slot] = xid;
      this.sentOp[slot] = opcode;
      this.sentAt[slot] = now;
      this.outstanding++;
    }
  }

  private flush(): void {
    if (this.writer.length === 0) return;
    this.socket.write(this.writer.toBuffer());
    this.writer.reset();
  }

  private notifyIfIdle(): void {
    if (this.outstanding > 0 || !this.stopped) return;
    this.releaseIdleWaiters();
  }

  private releaseIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  private fail(error: Error): void {
    if (this.failure !== null || this.closing) return;
    this.failure = error;
    this.closing = true;
    this.socket.destroy();
    this.handshake?.reject(error);
    this.handshake = null;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
    this.onFailure(error);
  }

  /** Set by the owner: called once if the session fails (closed, bad reply, timeout). */
  onFailure: (error: Error) => void = () => undefined;
  /** Set by the owner: called for every watch notification. */
  onNotification: () => void = () => undefined;
  /** Set by the owner: called with the round trip of every answered ping. */
  onPing: (latencyMs: number) => void = () => undefined;

  /**
   * Sends a ping as an idle client does (xid -2, outside the request ring); skipped while the
   * previous one is unanswered. Returns whether one was sent.
   */
  ping(): boolean {
    if (this.pingSentAt !== null || this.failure !== null || this.closing) return false;
    const w = this.writer.reset();
    const at = w.beginFrame();
    w.writeInt(Xid.ping).writeInt(OpCode.ping);
    w.endFrame(at);
    this.pingSentAt = performance.now();
    this.flush();
    return true;
  }
}

function oneShot(request: Request): RequestSource {
  let sent = false;
  return () => {
    if (sent) return null;
    sent = true;
    return request;
  };
}
