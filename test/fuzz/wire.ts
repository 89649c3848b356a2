/**
 * Byte-level tools for the bad-input tests: build frames and request bodies exactly as the
 * test wants them (lies included), and a bare socket (RawWire) that records every byte the
 * server sends and when it closes, with no opinion about what is valid. RawClient (in
 * test/support) is for well-behaved sessions; this is for the misbehaving ones.
 */
import { connect, type Socket } from 'node:net';
import { Err } from '../../src/protocol/error-codes.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { JuteReader } from '../../src/protocol/jute-reader.js';
import { JuteWriter } from '../../src/protocol/jute-writer.js';
import {
  readConnectResponse,
  writeConnectRequest,
  type ConnectRequest,
  type ConnectResponse,
} from '../../src/protocol/records.js';
import { encodeRequest, type Request } from '../../src/protocol/requests.js';

/** ZooKeeper's default jute.maxbuffer: the largest frame body a server accepts. */
export const JUTE_MAX_BUFFER = 0xfffff;
/** Replies may exceed jute.maxbuffer a little (a 1 MiB node's getData); stay above that. */
const WIRE_FRAME_BYTES_MAX = 2 * 1024 * 1024;
/** How long a test waits for the server to close a connection it must close. */
export const CLOSE_WAIT_MS = 3_000;
/** How long a test waits for a reply the server must send. */
export const REPLY_WAIT_MS = 5_000;

/** Every code a ZooKeeper server may put in a reply header. */
export const VALID_ERR_CODES: ReadonlySet<number> = new Set<number>(Object.values(Err));

/**
 * Opcodes Warren decodes and serves; everything else must be answered with Unimplemented.
 * sasl (102) is served, but on a server without SASL configured it fails and closes.
 */
export const SERVED_OPCODES: ReadonlySet<number> = new Set<number>([
  1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 100, 101, 102, 103, 104,
  105, 106, 107, -11,
]);

export function bodyOf(write: (w: JuteWriter) => void): Buffer {
  const w = new JuteWriter(256);
  write(w);
  return w.toBuffer();
}

export function encodeBody(req: Request): Buffer {
  return bodyOf((w) => encodeRequest(w, req));
}

/** A 4-byte big-endian length (any int, lies welcome) followed by the bytes. */
export function frameWithLength(length: number, bytes: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(length | 0);
  return Buffer.concat([prefix, bytes]);
}

export function frameOf(body: Buffer): Buffer {
  return frameWithLength(body.length, body);
}

export function requestFrame(xid: number, opcode: number, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeInt32BE(xid | 0, 0);
  header.writeInt32BE(opcode | 0, 4);
  return frameOf(Buffer.concat([header, body]));
}

export function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value | 0);
  return b;
}

export const DEFAULT_CONNECT: ConnectRequest = {
  protocolVersion: 0,
  lastZxidSeen: 0,
  timeOut: 10_000,
  sessionId: 0n,
  passwd: Buffer.alloc(16),
  readOnly: false,
};

/** A ConnectRequest body: 45 bytes by default, 44 with readOnly null. */
export function connectBody(over: Partial<ConnectRequest> = {}): Buffer {
  return bodyOf((w) => writeConnectRequest(w, { ...DEFAULT_CONNECT, ...over }));
}

export function hex(bytes: Buffer, max = 160): string {
  const text = bytes.subarray(0, max).toString('hex');
  return bytes.length > max ? `${text}… (${bytes.length} bytes)` : text;
}

/** A bare connection that records what the server sends; never throws on server input. */
export class RawWire {
  /** Every byte received, in order. */
  received: Buffer = Buffer.alloc(0);
  /** The received bytes split into frames (until a bad length stops the decoder). */
  readonly frames: Buffer[] = [];
  frameError: string | null = null;
  readonly closed: Promise<void>;
  private isClosedFlag = false;
  private readonly decoder = new FrameDecoder(WIRE_FRAME_BYTES_MAX);
  private readonly listeners = new Set<() => void>();
  private markClosed!: () => void;

  private constructor(private readonly socket: Socket) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // A reset by the server is one way of closing; the 'close' event follows.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.isClosedFlag = true;
      this.markClosed();
      this.notify();
    });
  }

  static open(host: string, port: number, timeoutMs = REPLY_WAIT_MS): Promise<RawWire> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`TCP connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new RawWire(socket));
      });
      const onError = (error: Error): void => {
        clearTimeout(timer);
        reject(error);
      };
      socket.once('error', onError);
    });
  }

  get isClosed(): boolean {
    return this.isClosedFlag;
  }

  write(bytes: Buffer): void {
    if (!this.isClosedFlag && !this.socket.destroyed) this.socket.write(bytes);
  }

  /** Sends the bytes (if any) and half-closes: the server sees end of stream. */
  end(bytes?: Buffer): void {
    if (this.isClosedFlag || this.socket.destroyed) return;
    if (bytes === undefined) this.socket.end();
    else this.socket.end(bytes);
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Resolves true once `until()` holds, false if the timeout passes first. */
  waitFor(until: () => boolean, timeoutMs: number): Promise<boolean> {
    if (until()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): void => {
        if (!until()) return;
        finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(ok);
      };
      this.listeners.add(check);
    });
  }

  /** True once the server has closed the connection (within the timeout). */
  waitClosed(timeoutMs = CLOSE_WAIT_MS): Promise<boolean> {
    return this.waitFor(() => this.isClosedFlag, timeoutMs);
  }

  /** True once `count` frames have arrived; false on timeout or on close before that. */
  async waitFrames(count: number, timeoutMs = REPLY_WAIT_MS): Promise<boolean> {
    await this.waitFor(() => this.frames.length >= count || this.isClosedFlag, timeoutMs);
    return this.frames.length >= count;
  }

  /** Sends a ConnectRequest and returns the ConnectResponse; throws if none arrives. */
  async handshake(over: Partial<ConnectRequest> = {}): Promise<ConnectResponse> {
    const before = this.frames.length;
    this.write(frameOf(connectBody(over)));
    if (!(await this.waitFrames(before + 1))) {
      throw new Error(`no ConnectResponse (closed: ${this.isClosedFlag})`);
    }
    return readConnectResponse(new JuteReader(this.frames[before] as Buffer));
  }

  private onData(chunk: Buffer): void {
    this.received = Buffer.concat([this.received, chunk]);
    if (this.frameError === null) {
      try {
        this.frames.push(...this.decoder.push(chunk).map((f) => Buffer.from(f)));
      } catch (error) {
        this.frameError = error instanceof Error ? error.message : String(error);
      }
    }
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/**
 * Opens a connection, writes `chunks` (pausing `gapMs` between them), then either half-closes
 * (`finish: 'end'`), resets (`'destroy'`) or leaves it open; waits up to `waitMs` for the
 * server to close, and returns the wire so the caller can inspect what came back.
 */
export async function sendAndWatch(
  host: string,
  port: number,
  chunks: Buffer[],
  opts: { finish?: 'end' | 'destroy' | 'open'; gapMs?: number; waitMs?: number } = {},
): Promise<RawWire> {
  const wire = await RawWire.open(host, port);
  for (const [i, chunk] of chunks.entries()) {
    if (i > 0 && (opts.gapMs ?? 0) > 0) await pause(opts.gapMs ?? 0);
    wire.write(chunk);
  }
  if (opts.finish === 'end') wire.end();
  if (opts.finish === 'destroy') wire.destroy();
  await wire.waitClosed(opts.waitMs ?? CLOSE_WAIT_MS);
  return wire;
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
