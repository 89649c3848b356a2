/**
 * One TCP (or TLS) connection to one server: the handshake, framing and liveness. It sends the
 * ConnectRequest, resolves with the ConnectResponse, then hands every reply frame to its owner.
 * Liveness follows the Java client: a ping when nothing was sent for a third of the session
 * timeout, and the connection dropped when nothing was received for two thirds of it.
 * Writes made in the same tick are coalesced into one socket write (cork, uncork on nextTick).
 */
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import { JuteReader } from '../protocol/jute-reader.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import { OpCode, Xid } from '../protocol/opcodes.js';
import {
  readConnectResponse,
  readReplyHeader,
  writeConnectRequest,
  type ConnectRequest,
  type ConnectResponse,
  type ReplyHeader,
} from '../protocol/records.js';
import type { ClientClock, TimerHandle } from './clock.js';
import type { HostPort } from './connect-string.js';
import type { SocketFactory } from './transport.js';

export interface ConnectionOptions {
  connectTimeoutMs: number;
  /** Largest reply frame accepted (jute.maxbuffer). */
  frameBytesMax: number;
  tls: tls.ConnectionOptions | undefined;
  clock: ClientClock;
  transport: SocketFactory;
}

export interface ConnectionOwner {
  onReply(header: ReplyHeader, body: JuteReader): void;
  /** Called once, when the connection ends for any reason after the handshake. */
  onClosed(reason: Error): void;
}

const PING_FRAME = new JuteWriter(16)
  .writeInt(8)
  .writeInt(Xid.ping)
  .writeInt(OpCode.ping)
  .toBuffer();

/** How often liveness is checked, as a fraction of the session timeout. */
const LIVENESS_TICKS_PER_TIMEOUT = 12;
/** Java's client pings at least every 10 s whatever the timeout. */
const PING_INTERVAL_MAX_MS = 10_000;

export class Connection {
  private readonly decoder: FrameDecoder;
  private owner: ConnectionOwner | undefined;
  private corked = false;
  private closed = false;
  private lastSentMs: number;
  private lastReceivedMs: number;
  private liveness: TimerHandle | undefined;
  /** Frames that arrived after the handshake reply, before attach(). */
  private early: Buffer[] = [];
  /** Why the connection ended before attach(), to pass on once attached. */
  private endedBefore: Error | undefined;

  private constructor(
    readonly server: HostPort,
    private readonly socket: net.Socket,
    frameBytesMax: number,
    private readonly clock: ClientClock,
  ) {
    this.decoder = new FrameDecoder(frameBytesMax);
    this.lastSentMs = this.lastReceivedMs = clock.now();
  }

  /** Connects and performs the handshake; rejects on any failure before the response. */
  static open(
    server: HostPort,
    request: ConnectRequest,
    opts: ConnectionOptions,
  ): Promise<{ connection: Connection; response: ConnectResponse }> {
    const socket = opts.transport({ host: server.host, port: server.port, tls: opts.tls });
    socket.setNoDelay(true);
    const connection = new Connection(server, socket, opts.frameBytesMax, opts.clock);
    return connection.handshake(request, opts.connectTimeoutMs);
  }

  get isTls(): boolean {
    return this.socket instanceof tls.TLSSocket;
  }

  private handshake(
    request: ConnectRequest,
    timeoutMs: number,
  ): Promise<{ connection: Connection; response: ConnectResponse }> {
    const where = `${this.server.host}:${this.server.port}`;
    return new Promise((resolve, reject) => {
      const fail = (error: Error): void => {
        this.clock.clearTimeout(timer);
        this.destroy();
        reject(error);
      };
      const timer = this.clock.setTimeout(
        () => fail(new Error(`no handshake reply from ${where} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.socket.once('error', fail);
      this.socket.once('close', () => fail(new Error(`${where} closed the connection`)));
      let responded = false;
      const frame = new JuteWriter(64);
      const at = frame.beginFrame();
      writeConnectRequest(frame, request);
      frame.endFrame(at);
      this.socket.write(frame.toBuffer());
      this.socket.on('data', (chunk: Buffer) => {
        const frames = this.receive(chunk);
        if (this.owner !== undefined) return this.deliver(frames);
        if (responded) {
          this.early.push(...frames.map((f) => Buffer.from(f)));
          return;
        }
        const first = frames.shift();
        if (first === undefined) return;
        responded = true;
        this.clock.clearTimeout(timer);
        this.socket.removeAllListeners('error').removeAllListeners('close');
        try {
          resolve({ connection: this, response: readConnectResponse(new JuteReader(first)) });
        } catch (error) {
          fail(error as Error);
          return;
        }
        this.socket.on('error', (error) => this.end(error));
        this.socket.on('close', () => this.end(new Error(`${where} closed the connection`)));
        // Frames that came with the response wait for attach().
        this.early.push(...frames.map((f) => Buffer.from(f)));
      });
    });
  }

  /** Starts delivering replies to the owner and checking liveness. */
  attach(owner: ConnectionOwner, sessionTimeoutMs: number): void {
    this.owner = owner;
    if (this.closed) {
      owner.onClosed(this.endedBefore ?? new Error('the connection ended during the handshake'));
      return;
    }
    const readTimeoutMs = (sessionTimeoutMs * 2) / 3;
    const pingIdleMs = Math.min(readTimeoutMs / 2, PING_INTERVAL_MAX_MS);
    const tickMs = Math.max(10, Math.floor(sessionTimeoutMs / LIVENESS_TICKS_PER_TIMEOUT));
    this.liveness = this.clock.setInterval(() => {
      const now = this.clock.now();
      if (now - this.lastReceivedMs > readTimeoutMs) {
        this.end(new Error(`nothing received from the server for ${readTimeoutMs} ms`));
      } else if (now - this.lastSentMs >= pingIdleMs) {
        this.send(PING_FRAME);
      }
    }, tickMs);
    const early = this.early;
    this.early = [];
    this.deliver(early);
  }

  private receive(chunk: Buffer): Buffer[] {
    this.lastReceivedMs = this.clock.now();
    const frames = this.decoder.push(chunk);
    if (this.decoder.failure !== null) this.end(this.decoder.failure);
    return frames;
  }

  private deliver(frames: Buffer[]): void {
    for (const frame of frames) {
      if (this.closed || this.owner === undefined) return;
      const reader = new JuteReader(frame);
      try {
        this.owner.onReply(readReplyHeader(reader), reader);
      } catch (error) {
        this.end(error as Error);
      }
    }
  }

  /**
   * Queues a whole frame (length prefix included; the buffer must not be reused by the
   * caller); same-tick writes go out together.
   */
  send(frame: Buffer): void {
    if (this.closed) return;
    this.lastSentMs = this.clock.now();
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(frame);
  }

  /** Ends the connection and tells the owner why (once). */
  end(reason: Error): void {
    if (this.closed) return;
    this.destroy();
    if (this.owner === undefined) this.endedBefore = reason;
    else this.owner.onClosed(reason);
  }

  private destroy(): void {
    this.closed = true;
    this.clock.clearInterval(this.liveness);
    this.socket.destroy();
  }
}
