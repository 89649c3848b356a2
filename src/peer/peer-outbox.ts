/**
 * One peer's outbound queue: payloads waiting for the socket, capped in bytes, turned into
 * frames on demand. Small frames taken together are copied into one buffer so many small
 * messages become one write; large payloads go out as views, cut into chunk frames.
 * No I/O here: the link decides when to take and where to write.
 */
import { assert } from '../util/assert.js';
import { chunkStartHeader, frameKind, messageHeader } from './peer-frames.js';

/** Parts below this are copied into a shared batch buffer rather than written on their own. */
const coalesceBelowBytes = 16 * 1024;

export interface TakenFrames {
  /** Buffers to write in this order. */
  readonly parts: Buffer[];
  /** Payloads whose last byte is among `parts`. */
  readonly completed: number;
}

export class PeerOutbox {
  private items: Buffer[] = [];
  private head = 0;
  /** Bytes of the head payload already taken (it is being chunked). */
  private headOffset = 0;
  private bytes = 0;

  constructor(
    private readonly chunkBytes: number,
    private readonly capBytes: number,
  ) {
    assert(chunkBytes >= 1, 'outbox: chunk size must be positive');
    assert(capBytes >= 0, 'outbox: negative cap');
  }

  /** Bytes of the payloads not yet completely taken. */
  get queuedBytes(): number {
    return this.bytes;
  }

  get isEmpty(): boolean {
    return this.head === this.items.length;
  }

  /**
   * Queues a payload if it fits under the cap. One larger than the whole cap (a big snapshot)
   * is still let through onto an empty queue when `admitOversize`, so it is not refused forever.
   */
  offer(payload: Buffer, admitOversize: boolean): boolean {
    const fits = this.bytes + payload.length <= this.capBytes;
    if (!fits && !(admitOversize && this.isEmpty)) return false;
    this.items.push(payload);
    this.bytes += payload.length;
    return true;
  }

  /** Frames for about `budgetBytes` (at least one part when anything is queued). */
  take(budgetBytes: number): TakenFrames {
    const parts: Buffer[] = [];
    let run: Buffer[] = [];
    let runBytes = 0;
    let taken = 0;
    let completed = 0;
    const add = (part: Buffer): void => {
      taken += part.length;
      if (part.length < coalesceBelowBytes) {
        run.push(part);
        runBytes += part.length;
        return;
      }
      if (run.length > 0) parts.push(Buffer.concat(run, runBytes));
      run = [];
      runBytes = 0;
      parts.push(part);
    };
    while (!this.isEmpty && taken < budgetBytes) {
      const payload = this.items[this.head];
      assert(payload !== undefined, 'outbox: head out of range');
      if (this.headOffset === 0 && payload.length <= this.chunkBytes) {
        add(messageHeader(frameKind.message, payload.length));
        add(payload);
      } else {
        const end = Math.min(this.headOffset + this.chunkBytes, payload.length);
        const piece = payload.subarray(this.headOffset, end);
        const header =
          this.headOffset === 0
            ? chunkStartHeader(payload.length, piece.length)
            : messageHeader(frameKind.chunkMore, piece.length);
        add(header);
        add(piece);
        this.headOffset = end;
        if (end < payload.length) continue;
      }
      this.popHead(payload.length);
      completed++;
    }
    if (run.length > 0) parts.push(run.length === 1 ? (run[0] as Buffer) : Buffer.concat(run));
    return { parts, completed };
  }

  /** The connection died: a payload taken only in part starts over on the next one. */
  restartPartial(): void {
    this.headOffset = 0;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.headOffset = 0;
    this.bytes = 0;
  }

  private popHead(payloadBytes: number): void {
    this.items[this.head] = emptyBuffer;
    this.head++;
    this.headOffset = 0;
    this.bytes -= payloadBytes;
    // Compact once the dead prefix dominates, so the array stays proportional to the queue.
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

const emptyBuffer = Buffer.alloc(0);
