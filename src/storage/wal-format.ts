/**
 * The bytes of a WAL segment. A segment is a header, then records:
 *
 *   header:  "WRNLOG" | u16 version=1 | u64 first zxid | u32 crc32c(previous 16 bytes)
 *   record:  u32 length | u32 crc32c(payload) | payload = u64 zxid ++ opaque txn bytes
 *
 * All integers are big-endian. The header repeats the zxid in the file name so a renamed or
 * misplaced file is caught, and carries its own checksum so a torn header is told apart from a
 * valid one. Decoding never throws on bad bytes: it says what is wrong, and the caller decides
 * whether that is a torn tail or corruption.
 */
import { crc32c } from '@node-rs/crc32';
import { assert, fail } from '../util/assert.js';
import { walBatchBytesMax, walBatchRecordsMax, walPayloadBytesMax } from './limits.js';

export const walMagic = Buffer.from('WRNLOG', 'latin1');
export const walFormatVersion = 1;
export const segmentHeaderBytes = 20;
/** u32 length + u32 crc. */
export const recordHeaderBytes = 8;
export const zxidBytes = 8;
/** The smallest possible record: header and zxid with an empty txn. */
export const recordBytesMin = recordHeaderBytes + zxidBytes;

export interface LogRecord {
  zxid: number;
  /** Opaque txn bytes; the storage never looks inside. */
  payload: Buffer;
  /**
   * Written just before `payload`, as part of it (a caller's small header): saves copying
   * the payload into a new buffer only to put a header in front. Read back as one payload.
   */
  prefix?: Buffer;
}

/** Bytes of a record's payload on disk (its prefix included). */
export function payloadBytes(record: LogRecord): number {
  return record.payload.length + (record.prefix?.length ?? 0);
}

export type HeaderDecoding =
  | { kind: 'ok'; firstZxid: number }
  | { kind: 'bad'; problem: string }
  | { kind: 'unsupported'; version: number };

export type RecordDecoding =
  | { kind: 'ok'; zxid: number; payload: Buffer; end: number }
  | { kind: 'bad'; problem: string };

const twoTo32 = 2 ** 32;

/** Writes a u64 that is a safe integer (zxids, counts) big-endian. */
export function writeUint53(buffer: Buffer, value: number, offset: number): void {
  if (!(Number.isSafeInteger(value) && value >= 0)) fail(`${value} is not a safe integer`);
  buffer.writeUInt32BE(Math.floor(value / twoTo32), offset);
  buffer.writeUInt32BE(value % twoTo32, offset + 4);
}

/** The big-endian u64 at `offset`, or -1 when it is beyond 2^53 (only damage produces that). */
export function readUint53(buffer: Buffer, offset: number): number {
  const high = buffer.readUInt32BE(offset);
  if (high >= 2 ** 21) return -1;
  return high * twoTo32 + buffer.readUInt32BE(offset + 4);
}

export function encodeSegmentHeader(firstZxid: number): Buffer {
  const header = Buffer.alloc(segmentHeaderBytes);
  walMagic.copy(header, 0);
  header.writeUInt16BE(walFormatVersion, 6);
  writeUint53(header, firstZxid, 8);
  header.writeUInt32BE(crc32c(header.subarray(0, 16)), 16);
  return header;
}

export function decodeSegmentHeader(bytes: Buffer): HeaderDecoding {
  if (bytes.length < segmentHeaderBytes) {
    return { kind: 'bad', problem: `file is ${bytes.length} bytes, shorter than its header` };
  }
  if (!bytes.subarray(0, 6).equals(walMagic)) {
    return { kind: 'bad', problem: 'header does not start with WRNLOG' };
  }
  if (bytes.readUInt32BE(16) !== crc32c(bytes.subarray(0, 16))) {
    return { kind: 'bad', problem: 'header checksum mismatch' };
  }
  const version = bytes.readUInt16BE(6);
  if (version !== walFormatVersion) return { kind: 'unsupported', version };
  const firstZxid = readUint53(bytes, 8);
  if (firstZxid < 0) return { kind: 'bad', problem: 'header zxid is out of range' };
  return { kind: 'ok', firstZxid };
}

/** Encodes a batch into one buffer, ready for a single write. */
export function encodeBatch(records: readonly LogRecord[]): Buffer {
  assert(records.length > 0, 'an append needs at least one record');
  if (records.length > walBatchRecordsMax) fail(`batch of ${records.length} records is too big`);
  let total = 0;
  for (const record of records) {
    const bytes = payloadBytes(record);
    if (bytes > walPayloadBytesMax) fail(`txn of ${bytes} bytes exceeds walPayloadBytesMax`);
    total += recordBytesMin + bytes;
  }
  if (total > walBatchBytesMax) fail(`batch of ${total} bytes exceeds walBatchBytesMax`);
  const batch = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const record of records) {
    const length = zxidBytes + payloadBytes(record);
    batch.writeUInt32BE(length, offset);
    writeUint53(batch, record.zxid, offset + recordHeaderBytes);
    let at = offset + recordHeaderBytes + zxidBytes;
    if (record.prefix !== undefined) at += record.prefix.copy(batch, at);
    record.payload.copy(batch, at);
    const payloadStart = offset + recordHeaderBytes;
    batch.writeUInt32BE(crc32c(batch.subarray(payloadStart, payloadStart + length)), offset + 4);
    offset = payloadStart + length;
  }
  assert(offset === total, 'batch encoding filled the wrong number of bytes');
  return batch;
}

/** Decodes the record at `offset` of a segment's bytes; `payload` is a view, not a copy. */
export function decodeRecordAt(bytes: Buffer, offset: number): RecordDecoding {
  const available = bytes.length - offset;
  if (available < recordHeaderBytes) {
    return { kind: 'bad', problem: `${available} trailing bytes are not a record header` };
  }
  const length = bytes.readUInt32BE(offset);
  if (length < zxidBytes || length > zxidBytes + walPayloadBytesMax) {
    return { kind: 'bad', problem: `record length ${length} is impossible` };
  }
  const end = offset + recordHeaderBytes + length;
  if (end > bytes.length) {
    return { kind: 'bad', problem: `record length ${length} runs past the end of the file` };
  }
  const payloadStart = offset + recordHeaderBytes;
  if (crc32c(bytes.subarray(payloadStart, end)) !== bytes.readUInt32BE(offset + 4)) {
    return { kind: 'bad', problem: 'record checksum mismatch' };
  }
  const zxid = readUint53(bytes, payloadStart);
  if (zxid < 0) return { kind: 'bad', problem: 'record zxid is out of range' };
  return { kind: 'ok', zxid, payload: bytes.subarray(payloadStart + zxidBytes, end), end };
}
