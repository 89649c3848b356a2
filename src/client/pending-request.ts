/**
 * A request on its way: its encoded frame (the xid is patched in when it is sent), the promise
 * to settle, and its deadline and AbortSignal. A request that times out or is aborted settles
 * at once; if it was already sent, its reply is read and dropped when it comes.
 */
import { JuteWriter } from '../protocol/jute-writer.js';
import { opName } from '../protocol/opcodes.js';
import { encodeRequest, type Request } from '../protocol/requests.js';
import type { Response } from '../protocol/responses.js';
import type { ClientClock, TimerHandle } from './clock.js';
import { RequestTooLargeError } from './client-errors.js';
import { OperationTimeoutError } from './zookeeper-errors.js';

export interface Reply {
  err: number;
  zxid: number;
  /** The decoded body; null for an error reply. */
  response: Response | null;
}

export interface RequestSpec {
  request: Exclude<Request, { type: 'unknown' }>;
  /** The client's path, for error messages. */
  path: string;
  /** Runs synchronously when the reply is read, before later frames (watch registration). */
  onReply?: (reply: Reply) => void;
}

const writer = new JuteWriter();

export class PendingRequest {
  readonly op: string;
  readonly type: number;
  readonly frame: Buffer;
  xid = 0;
  /** Settled (replied, timed out, aborted or failed): a late reply is dropped. */
  done = false;
  private timer: TimerHandle | undefined;
  private clock: ClientClock | undefined;
  private signal: AbortSignal | undefined;
  private readonly abort = (): void => this.fail(this.signal?.reason as Error);

  /** Encodes the request; throws RequestTooLargeError when the frame is over the limit. */
  constructor(
    readonly spec: RequestSpec,
    requestBytesMax: number,
    private readonly resolve: (reply: Reply) => void,
    private readonly reject: (error: Error) => void,
  ) {
    this.type = spec.request.type;
    this.op = opName(this.type);
    writer.reset();
    const at = writer.beginFrame();
    writer.writeInt(0).writeInt(this.type);
    encodeRequest(writer, spec.request);
    writer.endFrame(at);
    const bytes = writer.length - 4;
    if (bytes > requestBytesMax) {
      throw new RequestTooLargeError(this.op, spec.path, bytes, requestBytesMax);
    }
    this.frame = writer.toBuffer();
  }

  /** Starts the deadline (0 = none) on the clock and listens to the signal. */
  arm(timeoutMs: number, signal: AbortSignal | undefined, clock: ClientClock): void {
    if (timeoutMs > 0) {
      this.clock = clock;
      this.timer = clock.setTimeout(() => {
        const error = new OperationTimeoutError(
          -7,
          `no reply within ${timeoutMs} ms (${this.op} ${this.spec.path})`,
          this.spec.path,
          this.op,
        );
        this.fail(error);
      }, timeoutMs);
    }
    if (signal !== undefined) {
      this.signal = signal;
      if (signal.aborted) this.abort();
      else signal.addEventListener('abort', this.abort, { once: true });
    }
  }

  /** The frame with its xid patched in. */
  frameWithXid(xid: number): Buffer {
    this.xid = xid;
    this.frame.writeInt32BE(xid, 4);
    return this.frame;
  }

  succeed(reply: Reply): void {
    if (this.done) return;
    this.spec.onReply?.(reply);
    this.settle();
    this.resolve(reply);
  }

  fail(error: Error): void {
    if (this.done) return;
    this.settle();
    this.reject(error);
  }

  private settle(): void {
    this.done = true;
    this.clock?.clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.abort);
  }
}
