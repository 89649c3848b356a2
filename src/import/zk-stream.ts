/**
 * A ZooKeeper file read front to back in pieces (a snapshot can be gigabytes, a log 64 MiB
 * or more): records are parsed from a window of bytes that grows only as far as one record
 * needs, up to zkWindowBytesMax. The Adler-32 of every byte consumed is kept, as ZooKeeper's
 * CheckedInputStream does over the (decompressed) snapshot stream.
 */
import { createReadStream } from 'node:fs';
import { Transform, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Adler32 } from './adler32.js';
import { damaged } from './import-error.js';
import { zkWindowBytesMax } from './import-limits.js';
import { FieldError, NeedMore, Truncated, ZkCursor } from './zk-cursor.js';

const chunkBytes = 1024 * 1024;

export class ZkStream {
  private window: Buffer = Buffer.alloc(0);
  /** File offset (of the decompressed stream) of window[0]. */
  private base = 0;
  private ended = false;
  readonly adler = new Adler32();

  private constructor(
    readonly file: string,
    private readonly chunks: AsyncIterator<Buffer>,
    /** Compressed bytes read, for a .gz file; null for a plain one. */
    private readonly compressed: { bytes: number } | null,
  ) {}

  static open(file: string, gzip: boolean): ZkStream {
    const source = createReadStream(file, { highWaterMark: chunkBytes });
    const counted = { bytes: 0 };
    let stream: AsyncIterable<Buffer> = source;
    if (gzip) {
      // Counts the compressed bytes on their way in (a 'data' listener would make the file
      // stream flow past the reader).
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          counted.bytes += chunk.length;
          done(null, chunk);
        },
      });
      const gunzip = createGunzip({ chunkSize: chunkBytes });
      // pipeline destroys the gunzip stream (and so ends our iteration) if the file fails.
      pipeline(source, counter, gunzip, () => undefined);
      stream = gunzip;
    }
    return new ZkStream(file, stream[Symbol.asyncIterator](), gzip ? counted : null);
  }

  /** Bytes read from the file itself (compressed ones for a .gz snapshot): for progress. */
  get rawBytes(): number {
    return this.compressed === null ? this.base + this.window.length : this.compressed.bytes;
  }

  /** Offset of the next unread byte. */
  get offset(): number {
    return this.base;
  }

  /** Reads one more chunk into the window; false at the end of the file. */
  private async more(): Promise<boolean> {
    if (this.ended) return false;
    let next: IteratorResult<Buffer>;
    try {
      next = await this.chunks.next();
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw damaged(this.file, this.base + this.window.length, `cannot be read: ${why}`);
    }
    if (next.done === true) {
      this.ended = true;
      return false;
    }
    this.window = this.window.length === 0 ? next.value : Buffer.concat([this.window, next.value]);
    return true;
  }

  /** True when every byte has been consumed. */
  async atEnd(): Promise<boolean> {
    while (this.window.length === 0) if (!(await this.more())) return true;
    return false;
  }

  /**
   * Parses one record from the next bytes, reading more of the file while the record needs
   * it. Returns null when the file ends inside the record (a torn tail: the caller decides),
   * after consuming nothing. Checksums and consumes the record's bytes when `parse` returns.
   */
  async read<T>(parse: (cursor: ZkCursor) => T): Promise<T | null> {
    let value: T | null = null;
    const ending = await this.readEach((cursor) => {
      value = parse(cursor);
      return false;
    });
    return ending === 'torn' ? null : value;
  }

  /**
   * Parses records one after another while `parseOne` returns true, without a turn of the
   * event loop between records that are already in the window (a snapshot has millions).
   * `parseOne` must change nothing until it has read its whole record: a record cut by the
   * window's end is parsed again once more bytes are in. 'torn': the file ended inside one.
   */
  async readEach(parseOne: (cursor: ZkCursor) => boolean): Promise<'done' | 'torn'> {
    for (;;) {
      const cursor = new ZkCursor(this.window, 0, this.window.length, this.ended);
      let mark = 0;
      try {
        for (;;) {
          mark = cursor.pos;
          const again = parseOne(cursor);
          mark = cursor.pos;
          if (!again) {
            this.consume(mark);
            return 'done';
          }
        }
      } catch (error) {
        this.consume(mark);
        if (error instanceof Truncated) return 'torn';
        if (error instanceof FieldError) throw damaged(this.file, this.base, error.message);
        if (!(error instanceof NeedMore)) throw error;
        if (this.window.length > zkWindowBytesMax) {
          throw damaged(this.file, this.base, `a record longer than ${zkWindowBytesMax} bytes`);
        }
        if (!(await this.more())) return 'torn';
      }
    }
  }

  /** Everything left, when it is at most `max` bytes (a snapshot's short trailer). */
  async rest(max: number): Promise<Buffer> {
    while (!this.ended && this.window.length <= max) await this.more();
    if (this.window.length > max) {
      throw damaged(this.file, this.base, `more than ${max} bytes where the file should end`);
    }
    const out = Buffer.from(this.window);
    this.consume(out.length);
    return out;
  }

  private consume(bytes: number): void {
    this.adler.update(this.window, 0, bytes);
    this.window = this.window.subarray(bytes);
    this.base += bytes;
  }

  /** Stops reading (the file is closed by its stream once the iterator returns). */
  async close(): Promise<void> {
    await this.chunks.return?.();
  }
}
