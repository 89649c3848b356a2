/**
 * A ZooKeeper session on a bare socket that reads replies without decoding their bodies, and
 * notes when each frame began to arrive: a client for reading huge replies (a child list of
 * 1M names) in a process whose own event loop must stay free (decoding them would hold it up,
 * and be measured as the server's delay). Replies come in request order; ping replies are not
 * expected. No test-framework imports: bench/ uses this too.
 */
import { connect, type Socket } from 'node:net';
import { JuteWriter } from '../../src/protocol/jute-writer.js';
import { Xid } from '../../src/protocol/opcodes.js';
import { encodeRequest, type Request } from '../../src/protocol/requests.js';
import { handshakeFrame } from './hostile-frames.js';

/** A frame a BareSession received: its header, size, and a watch event's fields. */
export interface BareFrame {
  xid: number;
  zxid: number;
  /** The body's length (the frame less its 4-byte length). */
  bytes: number;
  /** When its first byte arrived (performance.now()). */
  firstByteAt: number;
  event: { type: number; path: string } | null;
}

/** Bytes of a frame's body kept: a reply's header, or a whole watch event. */
const keptBytes = 1024;

export class BareSession {
  readonly frames: BareFrame[] = [];
  private readonly waiting: ((frame: BareFrame) => void)[] = [];
  private readonly writer = new JuteWriter(256);
  /** The frame being read: its first bytes, and how much of it is still to come. */
  private head = Buffer.alloc(0);
  private need = -1;
  private bytes = 0;
  private firstByteAt = 0;
  private xid = 1;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.take(chunk));
  }

  /** Connects and opens a new session (60 s timeout). */
  static async open(server: { host: string; port: number }): Promise<BareSession> {
    const session = new BareSession(connect({ host: server.host, port: server.port }));
    const connected = new Promise<BareFrame>((resolve) => session.waiting.push(resolve));
    session.socket.write(handshakeFrame(60_000));
    await connected;
    session.frames.length = 0;
    return session;
  }

  /** Sends `req`; resolves once its reply has arrived whole. */
  request(req: Request): Promise<BareFrame> {
    const w = this.writer.reset();
    const at = w.beginFrame();
    w.writeInt(this.xid++).writeInt(req.type === 'unknown' ? req.opcode : req.type);
    encodeRequest(w, req);
    w.endFrame(at);
    const reply = new Promise<BareFrame>((resolve) => this.waiting.push(resolve));
    this.socket.write(w.toBuffer());
    return reply;
  }

  private take(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.need < 0) {
        if (this.head.length === 0) this.firstByteAt = performance.now();
        const part = chunk.subarray(at, at + 4 - this.head.length);
        at += part.length;
        this.head = Buffer.concat([this.head, part]);
        if (this.head.length < 4) return;
        this.need = this.bytes = this.head.readInt32BE(0);
        this.head = Buffer.alloc(0);
      }
      const used = Math.min(this.need, chunk.length - at);
      const room = Math.min(used, keptBytes - this.head.length);
      if (room > 0) this.head = Buffer.concat([this.head, chunk.subarray(at, at + room)]);
      at += used;
      this.need -= used;
      if (this.need > 0) return;
      this.need = -1;
      this.frameDone();
    }
  }

  private frameDone(): void {
    const head = this.head;
    this.head = Buffer.alloc(0);
    const xid = head.readInt32BE(0);
    const notification = xid === Xid.notification && this.frames.length > 0;
    const frame: BareFrame = {
      xid,
      zxid: Number(head.readBigInt64BE(4)),
      bytes: this.bytes,
      firstByteAt: this.firstByteAt,
      event: notification
        ? { type: head.readInt32BE(16), path: head.toString('utf8', 28, 28 + head.readInt32BE(24)) }
        : null,
    };
    this.frames.push(frame);
    if (!notification) this.waiting.shift()?.(frame);
  }

  close(): void {
    this.socket.destroy();
  }
}
