/**
 * Reads jute-encoded records (ZooKeeper's big-endian binary serialization) from a Buffer.
 * Every read is bounds-checked; malformed input throws DecodeError, which the server turns
 * into MarshallingError or a closed connection. Nothing here allocates beyond what it returns.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  readonly code = 'WARREN_DECODE';
}

const TWO_POW_32 = 4294967296;

export class JuteReader {
  private offset: number;

  constructor(
    private readonly buffer: Buffer,
    start = 0,
    private readonly end = buffer.length,
  ) {
    this.offset = start;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  get position(): number {
    return this.offset;
  }

  private need(bytes: number, what: string): void {
    if (this.offset + bytes > this.end) {
      throw new DecodeError(`truncated record: need ${bytes} bytes for ${what}`);
    }
  }

  readByte(): number {
    this.need(1, 'byte');
    return this.buffer.readInt8(this.offset++);
  }

  readBool(): boolean {
    this.need(1, 'boolean');
    return this.buffer[this.offset++] !== 0;
  }

  readInt(): number {
    this.need(4, 'int');
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** A long as a JS number. Exact for |value| < 2^53 (zxids, times, TTLs). */
  readLong(): number {
    this.need(8, 'long');
    const high = this.buffer.readInt32BE(this.offset);
    const low = this.buffer.readUInt32BE(this.offset + 4);
    this.offset += 8;
    return high * TWO_POW_32 + low;
  }

  /** A long as a bigint: for session ids, which use all 64 bits. */
  readBigLong(): bigint {
    this.need(8, 'long');
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  /** A buffer; length -1 is null. The result is a copy, so it may outlive the frame. */
  readBuffer(): Buffer | null {
    const length = this.readLength('buffer');
    if (length < 0) return null;
    const out = Buffer.allocUnsafe(length);
    this.buffer.copy(out, 0, this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** A buffer as a latin1 string (one char per byte): compact to keep in memory. */
  readBinaryString(): string | null {
    const length = this.readLength('buffer');
    if (length < 0) return null;
    const value = this.buffer.toString('latin1', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  /** A ustring; length -1 (null) reads as '' since clients such as kazoo send '' as null. */
  readString(): string {
    const length = this.readLength('string');
    if (length < 0) return '';
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  readStringOrNull(): string | null {
    const length = this.readLength('string');
    if (length < 0) return null;
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  /** A vector count; -1 (null) reads as 0. */
  readVectorLength(): number {
    const count = this.readInt();
    if (count < -1) throw new DecodeError(`invalid vector length ${count}`);
    // Each element takes at least one byte: a larger count cannot be honest.
    if (count > this.remaining) throw new DecodeError(`vector length ${count} exceeds record`);
    return count < 0 ? 0 : count;
  }

  readStrings(): string[] {
    const count = this.readVectorLength();
    const out: string[] = new Array<string>(count);
    for (let i = 0; i < count; i++) out[i] = this.readString();
    return out;
  }

  private readLength(what: string): number {
    const length = this.readInt();
    if (length < -1) throw new DecodeError(`invalid ${what} length ${length}`);
    if (length > this.remaining) {
      throw new DecodeError(`${what} length ${length} exceeds the ${this.remaining} bytes left`);
    }
    return length;
  }
}
