/**
 * Turns the frame bodies of one inbound connection back into whole messages, joining chunked
 * ones. Everything here is untrusted: a frame that breaks the protocol (unknown kind, a chunk
 * without a start, a new message before the last ended, more bytes than announced, a total
 * over the cap) throws `PeerProtocolError` and the caller closes the connection. Pieces are
 * only collected, never preallocated from an announced total, so a lying peer costs at most
 * what it actually sent.
 */
import { assert } from '../util/assert.js';
import { frameKind } from './peer-frames.js';

export class PeerProtocolError extends Error {
  override readonly name = 'PeerProtocolError';
  readonly code = 'WARREN_PEER_PROTOCOL';
}

export class PeerReassembler {
  private pieces: Buffer[] = [];
  private receivedBytes = 0;
  /** Announced size of the message being joined, or -1 when none is in progress. */
  private totalBytes = -1;

  constructor(private readonly messageBytesMax: number) {
    assert(messageBytesMax >= 0, 'reassembler: negative cap');
  }

  /** Bytes held for an unfinished chunked message. */
  get bufferedBytes(): number {
    return this.receivedBytes;
  }

  /** Takes one frame body; returns the message it completes, or null while one is unfinished. */
  push(body: Buffer): Buffer | null {
    if (body.length < 1) throw new PeerProtocolError('empty frame');
    const kind = body.readUInt8(0);
    switch (kind) {
      case frameKind.message:
        this.requireIdle('message');
        this.requireFits(body.length - 1);
        return body.subarray(1);
      case frameKind.chunkStart: {
        this.requireIdle('chunk start');
        if (body.length < 5) throw new PeerProtocolError('chunk start without a total');
        const total = body.readUInt32BE(1);
        this.requireFits(total);
        this.totalBytes = total;
        return this.append(body.subarray(5));
      }
      case frameKind.chunkMore:
        if (this.totalBytes < 0) throw new PeerProtocolError('chunk without a start');
        return this.append(body.subarray(1));
      default:
        throw new PeerProtocolError(`unknown frame kind ${kind}`);
    }
  }

  private requireIdle(what: string): void {
    if (this.totalBytes >= 0) {
      throw new PeerProtocolError(`${what} while a chunked message is unfinished`);
    }
  }

  private requireFits(bytes: number): void {
    if (bytes > this.messageBytesMax) {
      throw new PeerProtocolError(`message of ${bytes} bytes over the cap ${this.messageBytesMax}`);
    }
  }

  private append(piece: Buffer): Buffer | null {
    if (this.receivedBytes + piece.length > this.totalBytes) {
      throw new PeerProtocolError(`chunks exceed the announced ${this.totalBytes} bytes`);
    }
    if (piece.length > 0) this.pieces.push(piece);
    this.receivedBytes += piece.length;
    if (this.receivedBytes < this.totalBytes) return null;
    const whole = Buffer.concat(this.pieces, this.totalBytes);
    this.pieces = [];
    this.receivedBytes = 0;
    this.totalBytes = -1;
    return whole;
  }
}
