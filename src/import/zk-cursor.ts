/**
 * Reads jute fields (big-endian, ZooKeeper's encoding) from a window of bytes. A window that
 * may grow (a file read piece by piece) throws NeedMore when a field runs past its end, so
 * the caller can read further and start the record again; a final window (a whole record)
 * calls that damage. Every length is checked against a cap before anything is allocated.
 */
export class NeedMore extends Error {
  override readonly name = 'NeedMore';
}

/** A field that cannot be right (a negative length, a length past its cap, a short record). */
export class FieldError extends Error {
  override readonly name = 'FieldError';
}

/** A final window ends inside a field. */
export class Truncated extends FieldError {}

const TWO_POW_32 = 4294967296;

export class ZkCursor {
  constructor(
    readonly bytes: Buffer,
    public pos: number,
    readonly end: number,
    /** True when no more bytes can follow `end`. */
    readonly final: boolean,
  ) {}

  static of(bytes: Buffer): ZkCursor {
    return new ZkCursor(bytes, 0, bytes.length, true);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n <= this.end) return;
    if (this.final) throw new Truncated(`record ends inside ${what}`);
    throw new NeedMore(what);
  }

  byte(): number {
    this.need(1, 'a byte');
    return this.bytes.readInt8(this.pos++);
  }

  bool(): boolean {
    return this.byte() !== 0;
  }

  int(): number {
    this.need(4, 'an int');
    const v = this.bytes.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A long as a number; zxids, times and TTLs stay below 2^53 (checked). */
  long(what: string): number {
    this.need(8, what);
    const high = this.bytes.readInt32BE(this.pos);
    const low = this.bytes.readUInt32BE(this.pos + 4);
    this.pos += 8;
    const v = high * TWO_POW_32 + low;
    if (!Number.isSafeInteger(v)) throw new FieldError(`${what} ${v} is out of range`);
    return v;
  }

  /** A long as an unsigned 32-bit checksum (ZooKeeper stores Adler-32 values in longs). */
  checksum(): number {
    this.need(8, 'a checksum');
    const high = this.bytes.readUInt32BE(this.pos);
    const low = this.bytes.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return high === 0 ? low : -1;
  }

  bigLong(): bigint {
    this.need(8, 'a long');
    const v = this.bytes.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** The next `n` bytes, as a view into the window. */
  raw(n: number, what: string): Buffer {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A length-prefixed byte run; -1 is null. The result is a view into the window. */
  bufferView(max: number, what: string): Buffer | null {
    const length = this.int();
    if (length === -1) return null;
    if (length < -1 || length > max) {
      throw new FieldError(`${what} has an impossible length ${length} (at most ${max})`);
    }
    return this.raw(length, what);
  }

  /** A buffer as a latin1 string (one char per byte), the way Warren holds node data. */
  binaryString(max: number, what: string): string | null {
    const view = this.bufferView(max, what);
    return view === null ? null : view.toString('latin1');
  }

  /** A copy, safe to keep after the window moves on. */
  buffer(max: number, what: string): Buffer | null {
    const view = this.bufferView(max, what);
    return view === null ? null : Buffer.from(view);
  }

  /** A ustring; null reads as ''. */
  string(max: number, what: string): string {
    const view = this.bufferView(max, what);
    return view === null ? '' : view.toString('utf8');
  }

  /** A vector's element count; null reads as 0. */
  count(max: number, what: string): number {
    const n = this.int();
    if (n === -1) return 0;
    if (n < -1 || n > max) throw new FieldError(`${what} has an impossible count ${n}`);
    return n;
  }
}
