/**
 * Splits a byte stream into length-prefixed frames. Resumable at any chunk boundary; a frame
 * that arrives whole inside one chunk is returned as a zero-copy view, a split one is
 * assembled once (chunks are only collected until the whole frame is there, so a large frame
 * in small chunks costs linear, not quadratic, copying). A length below zero or above the cap
 * is a protocol violation: the caller must close the connection (ZooKeeper closes without a
 * reply).
 */
export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';
  readonly code = 'WARREN_FRAME_SIZE';
}

export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes needed before `pending` holds a whole frame (4 while the length is unknown). */
  private neededBytes = 4;

  /**
   * Set once a bad length was met. The frames before it were still returned (ZooKeeper
   * executes every request it read before the bad length); the caller must then close.
   */
  failure: FrameTooLargeError | null = null;

  constructor(private readonly frameBytesMax: number) {}

  /** Bytes buffered but not yet returned as a frame. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Feeds a chunk and returns every complete frame body it finishes, in order. After a bad
   * length it returns what came before it and sets `failure`; later pushes return nothing.
   */
  push(chunk: Buffer): Buffer[] {
    if (this.failure !== null) return [];
    let data = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < this.neededBytes) return [];
      data = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    const frames: Buffer[] = [];
    let offset = 0;
    while (data.length - offset >= 4) {
      const length = data.readInt32BE(offset);
      if (length < 0 || length > this.frameBytesMax) {
        this.failure = new FrameTooLargeError(
          `frame length ${length} is outside 0..${this.frameBytesMax} (jute.maxbuffer)`,
        );
        return frames;
      }
      if (data.length - offset - 4 < length) {
        this.neededBytes = 4 + length;
        break;
      }
      frames.push(data.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
      this.neededBytes = 4;
    }
    if (offset < data.length) {
      if (data.length - offset < 4) this.neededBytes = 4;
      // Copy the unfinished tail so the (possibly large) chunk it came from can be freed.
      const rest = Buffer.from(data.subarray(offset));
      this.pending.push(rest);
      this.pendingBytes = rest.length;
    }
    return frames;
  }
}
