/**
 * Writes jute records into one growable buffer. A writer is reused across replies (reset(),
 * then take a copy with toBuffer()) so the hot path does not allocate per field.
 * Frames are written with a 4-byte length prefix that is patched in at the end.
 */
const TWO_POW_32 = 4294967296;
const INITIAL_BYTES = 64 * 1024;
/** Strings up to this many chars are tried as ASCII in JS (writeShortAscii). */
const shortStringMax = 64;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

export class JuteWriter {
  private buffer: Buffer;
  /**
   * The buffer as a DataView, for bigint longs: Buffer.writeBigInt64BE splits its value with
   * bigint arithmetic (several bigints allocated per call), setBigInt64 allocates nothing.
   */
  private dataView: DataView;
  private offset = 0;

  constructor(initialBytes = INITIAL_BYTES) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
    this.dataView = viewOf(this.buffer);
  }

  get length(): number {
    return this.offset;
  }

  reset(): this {
    this.offset = 0;
    return this;
  }

  private ensure(bytes: number): void {
    const needed = this.offset + bytes;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
    this.dataView = viewOf(grown);
  }

  writeByte(value: number): this {
    this.ensure(1);
    this.buffer.writeInt8(value, this.offset++);
    return this;
  }

  writeBool(value: boolean): this {
    this.ensure(1);
    this.buffer[this.offset++] = value ? 1 : 0;
    return this;
  }

  writeInt(value: number): this {
    this.ensure(4);
    this.buffer.writeInt32BE(value | 0, this.offset);
    this.offset += 4;
    return this;
  }

  writeUInt(value: number): this {
    this.ensure(4);
    this.buffer.writeUInt32BE(value >>> 0, this.offset);
    this.offset += 4;
    return this;
  }

  /** A long from a JS number; exact for integers with |value| < 2^53. */
  writeLong(value: number): this {
    this.ensure(8);
    if (value >= 0) {
      this.buffer.writeUInt32BE(Math.floor(value / TWO_POW_32), this.offset);
      this.buffer.writeUInt32BE(value % TWO_POW_32, this.offset + 4);
    } else {
      this.buffer.writeBigInt64BE(BigInt(value), this.offset);
    }
    this.offset += 8;
    return this;
  }

  writeBigLong(value: bigint): this {
    // setBigInt64 would wrap what writeBigInt64BE refuses.
    if (value < LONG_MIN || value > LONG_MAX) throw new RangeError(`long out of range: ${value}`);
    this.ensure(8);
    this.dataView.setBigInt64(this.offset, value);
    this.offset += 8;
    return this;
  }

  writeBuffer(value: Buffer | null): this {
    if (value === null) return this.writeInt(-1);
    this.writeInt(value.length);
    this.ensure(value.length);
    value.copy(this.buffer, this.offset);
    this.offset += value.length;
    return this;
  }

  /** A buffer whose bytes are held as a latin1 string (one char per byte). */
  writeBinaryString(value: string | null): this {
    if (value === null) return this.writeInt(-1);
    this.writeInt(value.length);
    this.ensure(value.length);
    this.buffer.write(value, this.offset, value.length, 'latin1');
    this.offset += value.length;
    return this;
  }

  writeString(value: string | null): this {
    if (value === null) return this.writeInt(-1);
    if (value.length <= shortStringMax && this.writeShortAscii(value)) return this;
    const bytes = Buffer.byteLength(value, 'utf8');
    this.writeInt(bytes);
    this.ensure(bytes);
    this.buffer.write(value, this.offset, bytes, 'utf8');
    this.offset += bytes;
    return this;
  }

  /**
   * A short all-ASCII string copied char by char: two native calls per string (its UTF-8
   * length, then the write) cost more than the copy, and a child list of 1M names took
   * 130-300 ms to encode that way. False, with nothing written, when a char is not ASCII.
   */
  private writeShortAscii(value: string): boolean {
    const length = value.length;
    this.ensure(4 + length);
    const buffer = this.buffer;
    const start = this.offset + 4;
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) return false;
      buffer[start + i] = code;
    }
    buffer.writeInt32BE(length, this.offset);
    this.offset = start + length;
    return true;
  }

  writeStrings(values: readonly string[]): this {
    this.writeInt(values.length);
    for (const value of values) this.writeString(value);
    return this;
  }

  writeRaw(bytes: Buffer): this {
    this.ensure(bytes.length);
    bytes.copy(this.buffer, this.offset);
    this.offset += bytes.length;
    return this;
  }

  /** Reserve a 4-byte frame length; returns its position for endFrame(). */
  beginFrame(): number {
    const at = this.offset;
    this.writeInt(0);
    return at;
  }

  endFrame(at: number): void {
    this.buffer.writeInt32BE(this.offset - at - 4, at);
  }

  /** A view of the bytes written so far: valid only until the writer is used again. */
  view(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }

  /** A copy of the bytes written so far (the writer's buffer is reused). */
  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.offset));
  }
}

function viewOf(buffer: Buffer): DataView {
  return new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
