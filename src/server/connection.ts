/**
 * One client TCP connection: framing, the handshake state, the in-order request queue, output
 * coalescing and backpressure. Request semantics live in request-handler.ts; this file only
 * moves bytes and keeps order.
 *
 * Ordering rule: writes are prepared as soon as they arrive (they queue in the commit
 * pipeline in order), but any other request waits until this connection's earlier writes have
 * been applied and answered. So replies leave in request order, and a read sees the session's
 * own earlier writes. A reply built over several turns (children-replies.ts) holds everything
 * written meanwhile (watch events, ping replies) behind it, and later requests wait for it.
 */
import { FrameDecoder } from '../protocol/frame-decoder.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import { Xid } from '../protocol/opcodes.js';
import {
  writeConnectResponse,
  writeReplyHeader,
  writeWatcherEvent,
  type ConnectResponse,
  type Id,
} from '../protocol/records.js';
import { writeResponse, type Response } from '../protocol/responses.js';
import { assert } from '../util/assert.js';
import { frameBytesMaxCeiling, handshakeTimeoutMs, replyHeadroomBytes } from '../util/limits.js';
import type { Runtime, Timer } from '../util/runtime.js';
import type { ClientSocket } from './client-socket.js';
import type { DecodedFrame } from './request-handler.js';
import type { SessionState } from './session-tracker.js';
import { LatencyStats, type ServerStats } from './stats.js';
import {
  returnTurnWriter,
  takeTurnWriter,
  turnOutputBytesMax,
  type TurnFlushes,
} from './turn-output.js';

/** What a connection needs from the server that owns it. */
export interface ConnectionHost {
  onFirstBytes(conn: Connection, first4: Buffer): boolean;
  onConnectFrame(conn: Connection, frame: Buffer): void;
  onRequestFrame(conn: Connection, frame: Buffer): void;
  onClosed(conn: Connection): void;
  /** The client read some of its output: requests held for the output budget may go on. */
  onWritable(conn: Connection): void;
  readonly outstandingMax: number;
  /** Server-wide limits (request-throttle.ts): whether this connection must not be read now. */
  readsHeld(conn: Connection): boolean;
  /** Bytes were queued for a client (the memory bound counts what is built). */
  wrote(bytes: number): void;
  /** Unsent reply bytes a connection may hold before its next requests wait. */
  readonly outputBytesMax: number;
  /** How long a connection may stay over that budget before it is closed. */
  readonly stallMs: number;
  readonly runtime: Runtime;
  /** Counts output-budget stalls and refused replies. */
  readonly stats: ServerStats;
  /** Where a connection's turn output waits to be written (a bounded number a turn). */
  readonly flushes: TurnFlushes;
  /** A reply of `bytes` was over jute.maxbuffer and the connection is closing (refuseReply). */
  refusedReply(conn: Connection, bytes: number): void;
}

const sharedWriter = new JuteWriter(1024 * 1024);

export type ConnectionState = 'new' | 'handshake' | 'connecting' | 'connected' | 'closed';

export class Connection {
  state: ConnectionState = 'new';
  session: SessionState | null = null;
  readonly ids: Id[];
  /** Requests received and not yet answered (pings excluded). */
  outstanding = 0;
  /** Requests waiting for earlier writes (or for the handshake) to finish. */
  waiting: DecodedFrame[] = [];
  waitingHead = 0;
  readonly decoder: FrameDecoder;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly establishedAt: number;
  packetsReceived = 0;
  packetsSent = 0;
  lastOp = 'NA';
  lastCxid = 0;
  lastZxid = 0;
  lastResponseAt = 0;
  readonly latency = new LatencyStats();
  /** Negotiated timeout for this connection's handshake. */
  timeoutMs = 0;
  /** Attached while the server served reads only (its session may be local). */
  readOnly = false;
  private paused = false;
  /** This turn's output, written in one go once the turn's input was handled (runtime.soon). */
  private output: JuteWriter | null = null;
  private readonly flushLater = (): void => this.flush();
  /** Armed while the output is over budget: the client has that long to read. */
  private stallTimer: Timer | null = null;
  private prefix: Buffer | null = Buffer.alloc(0);
  /** While a reply is being built over several turns: what was written since, in order. */
  private held: Buffer[] | null = null;
  private heldBytes = 0;
  /** The longest reply frame sent (refuseReply): jute.maxbuffer and replyHeadroomBytes. */
  readonly replyBytesMax: number;
  /** A reply was refused (refuseReply): nothing more is written, the close comes next turn. */
  private refusing = false;
  /**
   * Closes a connection whose handshake has not completed in time; cancelled when it does, so
   * thousands of clients leaving at once do not also cancel thousands of timers.
   */
  private handshakeTimer: Timer | null;

  /**
   * `frameBytesMax`: jute.maxbuffer, the most a reply frame may hold; a request frame may hold
   * as much up to frameBytesMaxCeiling (a txn must fit in one log record).
   */
  constructor(
    readonly socket: ClientSocket,
    private readonly host: ConnectionHost,
    frameBytesMax: number,
  ) {
    this.decoder = new FrameDecoder(Math.min(frameBytesMax, frameBytesMaxCeiling));
    this.replyBytesMax = frameBytesMax + replyHeadroomBytes;
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.establishedAt = host.runtime.now();
    this.ids = [{ scheme: 'ip', id: this.remoteAddress }];
    // A connection that never completes its handshake is closed, as in ZooKeeper.
    this.handshakeTimer = host.runtime.after(handshakeTimeoutMs, () => {
      if (this.state === 'new' || this.state === 'handshake') this.close();
    });
    socket.start({
      data: (chunk) => this.onData(chunk),
      closed: () => this.close(),
      drained: () => {
        this.updateBackpressure();
        this.host.onWritable(this);
      },
    });
  }

  private onData(data: Buffer): void {
    if (this.state === 'closed') return;
    let chunk = data;
    if (this.prefix !== null) {
      // The first 4 bytes may be a four-letter word rather than a frame length.
      const joined = this.prefix.length > 0 ? Buffer.concat([this.prefix, chunk]) : chunk;
      if (joined.length < 4) {
        this.prefix = joined;
        return;
      }
      this.prefix = null;
      if (this.host.onFirstBytes(this, joined.subarray(0, 4))) return;
      this.state = 'handshake';
      chunk = joined;
    }
    const frames = this.decoder.push(chunk);
    for (const frame of frames) {
      if ((this.state as ConnectionState) === 'closed') return;
      this.packetsReceived++;
      if (this.state === 'handshake') this.host.onConnectFrame(this, frame);
      else this.host.onRequestFrame(this, frame);
    }
    // A bad frame length: what came before it was handled; now the connection goes.
    if (this.decoder.failure !== null) this.close();
  }

  /** Adds to this turn's output (one buffer and one system call for the turn's replies). */
  private write(bytes: Buffer): void {
    if (this.state === 'closed' || this.refusing) return;
    this.host.wrote(bytes.length);
    this.packetsSent++;
    if (this.held !== null) return this.hold(bytes);
    this.append(bytes);
  }

  private append(bytes: Buffer): void {
    if (bytes.length > turnOutputBytesMax) {
      // A big reply goes alone: copying it into the turn's buffer would hold it twice.
      this.sendOutput();
      this.socket.write(Buffer.from(bytes));
      return;
    }
    if (this.output === null) {
      this.output = takeTurnWriter();
      this.host.flushes.add(this.flushLater);
    }
    this.output.writeRaw(bytes);
  }

  /**
   * Keeps what is written behind the reply being built. More than the output budget (a
   * flood of watch events) closes the connection instead: the client reconnects and its
   * setWatches is told what changed, where a held event dropped would be lost.
   */
  private hold(bytes: Buffer): void {
    const held = this.held as Buffer[];
    const max = this.host.outputBytesMax;
    if (this.heldBytes > max) return; // closing already
    this.heldBytes += bytes.length;
    if (this.heldBytes > max) {
      held.length = 0;
      // Not inside the caller's loop over watches or replies: next turn.
      this.host.runtime.soon(() => this.close());
      return;
    }
    held.push(Buffer.from(bytes));
  }

  /** A reply is being built over several turns: hold what is written until it is sent. */
  holdOutput(): void {
    assert(this.held === null, 'connection: one reply built at a time');
    this.held = [];
    this.heldBytes = 0;
  }

  /** Whether a reply is being built (later requests wait for it). */
  get replyPending(): boolean {
    return this.held !== null;
  }

  /** Sends the reply that was being built, then what was held behind it. */
  releaseOutput(frame: readonly Buffer[], zxid: number): void {
    const held = this.held;
    this.held = null;
    this.heldBytes = 0;
    if (this.state === 'closed' || this.refusing) return;
    assert(held !== null, 'connection: no reply was being built');
    this.sendFrame(frame, zxid);
    if (this.refusing) return; // the reply was over jute.maxbuffer: nothing behind it goes
    for (const bytes of held) this.append(bytes);
    this.updateBackpressure();
  }

  /**
   * Sends a reply frame given in parts, after what this turn wrote before it. The parts are
   * written as they are, not copied: they must never change (a cached child list).
   */
  sendFrame(parts: readonly Buffer[], zxid: number): void {
    if (this.state === 'closed' || this.refusing) return;
    assert(this.held === null, 'connection: a frame would overtake the reply being built');
    let bytes = 0;
    for (const part of parts) bytes += part.length;
    if (bytes - 4 > this.replyBytesMax) return this.refuseReply(bytes - 4);
    this.host.wrote(bytes);
    this.packetsSent++;
    this.sendOutput();
    if (!this.socket.destroyed) for (const part of parts) this.socket.write(part);
    this.lastZxid = zxid;
    this.lastResponseAt = this.host.runtime.now();
  }

  /** Hands this turn's output to the socket; false when there was none. */
  private sendOutput(): boolean {
    const output = this.output;
    if (output === null) return false;
    this.output = null;
    if (!this.socket.destroyed) this.socket.write(output.toBuffer());
    returnTurnWriter(output);
    return true;
  }

  private flush(): void {
    if (this.sendOutput()) this.updateBackpressure();
  }

  /** Reply bytes built and not yet handed to the network. */
  get unsentBytes(): number {
    return this.socket.bufferedBytes + (this.output?.length ?? 0) + this.heldBytes;
  }

  sendConnectResponse(response: ConnectResponse): void {
    const w = sharedWriter.reset();
    const at = w.beginFrame();
    writeConnectResponse(w, response);
    w.endFrame(at);
    this.write(w.view());
  }

  sendReply(xid: number, zxid: number, err: number, response: Response | null): void {
    const w = sharedWriter.reset();
    const at = w.beginFrame();
    writeReplyHeader(w, xid, zxid, err);
    if (response !== null) writeResponse(w, response);
    w.endFrame(at);
    const frame = w.view();
    if (frame.length - 4 > this.replyBytesMax) return this.refuseReply(frame.length - 4);
    this.write(frame);
    this.lastZxid = zxid;
    this.lastResponseAt = this.host.runtime.now();
  }

  sendNotification(zxid: number, type: number, path: string): void {
    const w = sharedWriter.reset();
    const at = w.beginFrame();
    writeReplyHeader(w, Xid.notification, zxid, 0);
    writeWatcherEvent(w, { type, state: 3, path });
    w.endFrame(at);
    this.write(w.view());
  }

  sendText(text: string): void {
    this.write(Buffer.from(text, 'utf8'));
  }

  /**
   * Replies the client has not read pass the output budget: its next requests wait (a client
   * pipelining reads of a big znode would otherwise make us build gigabytes of replies).
   */
  get overOutputBudget(): boolean {
    return this.unsentBytes > this.host.outputBytesMax;
  }

  /** Stop reading while too much is outstanding or the peer reads too slowly. */
  updateBackpressure(): void {
    if (this.state === 'closed') return;
    const overBudget = this.overOutputBudget;
    const overloaded =
      overBudget ||
      this.outstanding >= this.host.outstandingMax ||
      this.waiting.length - this.waitingHead >= this.host.outstandingMax ||
      this.host.readsHeld(this);
    if (overloaded && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!overloaded && this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    this.watchStall(overBudget);
  }

  private watchStall(overBudget: boolean): void {
    if (!overBudget) {
      this.stallTimer?.cancel();
      this.stallTimer = null;
      return;
    }
    if (this.stallTimer !== null) return;
    this.host.stats.outputBudgetStalls++;
    this.stallTimer = this.host.runtime.after(this.host.stallMs, () => {
      this.stallTimer = null;
      // Still not reading: drop it and what it left unread (ending would keep the buffer).
      if (!this.overOutputBudget) return;
      this.host.stats.stalledConnectionsClosed++;
      this.abort();
    });
  }

  /**
   * A reply longer than jute.maxbuffer is never sent (issue 10). ZooKeeper 3.9.5 sends it, and
   * a client reading with that jute.maxbuffer drops the connection on its length
   * (ClientCnxnSocket.readLength; ZOOKEEPER-1162, open): closing ends the same way for the
   * client, without sending megabytes it would throw away. The session lives on. Replies
   * written before this one still go out; nothing after it does (it would overtake it).
   */
  refuseReply(bytes: number): void {
    if (this.refusing || this.state === 'closed') return;
    this.refusing = true;
    this.dropHeld();
    this.socket.pause();
    this.host.stats.oversizedReplies++;
    this.host.refusedReply(this, bytes);
    // Not inside the caller's loop over requests or replies: next turn.
    this.host.runtime.soon(() => this.close());
  }

  /** The session is established: requests may be served. */
  connected(): void {
    this.state = 'connected';
    this.cancelHandshakeTimer();
  }

  private cancelHandshakeTimer(): void {
    this.handshakeTimer?.cancel();
    this.handshakeTimer = null;
  }

  /** Closes at once, dropping unsent output. */
  abort(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.cancelHandshakeTimer();
    this.stallTimer?.cancel();
    this.stallTimer = null;
    if (this.output !== null) returnTurnWriter(this.output);
    this.output = null;
    this.dropHeld();
    this.socket.destroy();
    this.host.onClosed(this);
  }

  /** Flushes what was written, then closes. */
  end(): void {
    this.shut(true);
  }

  /** Closes; what was written still goes out first. */
  close(): void {
    this.shut(false);
  }

  private shut(ending: boolean): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.cancelHandshakeTimer();
    this.stallTimer?.cancel();
    this.stallTimer = null;
    // What waits behind a reply never built would overtake it: it goes with the reply.
    this.dropHeld();
    if (!this.socket.destroyed) {
      // What was written leaves first; with nothing left to send the socket goes at once.
      const unsent = this.sendOutput() || this.socket.bufferedBytes > 0;
      if (ending || unsent) this.socket.end();
      if (!unsent) this.socket.destroy();
    }
    this.host.onClosed(this);
  }

  private dropHeld(): void {
    this.held = null;
    this.heldBytes = 0;
  }

  /** The session moved to another connection: drop this one without touching the session. */
  detach(_reason: string): void {
    this.session = null;
    this.close();
  }
}
