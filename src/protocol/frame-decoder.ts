/**
 * Splits a byte stream into length-prefixed frames. Resumable at any chunk boundary; a frame
 * that arrives whole inside one chunk is returned as a zero-copy view, a split one is
 * assembled once. A length below zero or above the cap is a protocol violation: the caller
 * must close the connection (ZooKeeper closes without a reply).
 */
export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';
  readonly code = 'WARREN_FRAME_SIZE';
}

export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly frameBytesMax: number) {}

  /** Bytes buffered but not yet returned as a frame. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Feeds a chunk and returns every complete frame body it finishes, in order.
   * Throws FrameTooLargeError on a bad length; the decoder is unusable afterwards.
   */
  push(chunk: Buffer): Buffer[] {
    let data = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      data = Buffer.concat(this.pending, this.pendingBytes + chunk.length);
      this.pending = [];
      this.pendingBytes = 0;
    }
    const frames: Buffer[] = [];
    let offset = 0;
    while (data.length - offset >= 4) {
      const length = data.readInt32BE(offset);
      if (length < 0 || length > this.frameBytesMax) {
        throw new FrameTooLargeError(
          `frame length ${length} is outside 0..${this.frameBytesMax} (jute.maxbuffer)`,
        );
      }
      if (data.length - offset - 4 < length) break;
      frames.push(data.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    if (offset < data.length) {
      const rest = data.subarray(offset);
      this.pending.push(rest);
      this.pendingBytes = rest.length;
    }
    return frames;
  }
}
