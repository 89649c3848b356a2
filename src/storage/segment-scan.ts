/**
 * Validates the bytes of one WAL segment and tells a torn write from damage. A crash can only
 * tear what was written after the last fsync, which is always the end of the last segment,
 * and a torn write leaves a prefix of what was written (or zeros where a crash-extended file
 * got no data). So the end of the last segment is *torn*, and cut off, only when no valid
 * record follows and it is:
 *   - a record the file ends inside (fewer bytes than its header or its declared length),
 *     unless the bytes to the end of the file match its checksum (a damaged length field);
 *   - zeros from a record boundary (or the file's start) to the end of the file: a length of
 *     0 is no record, and nothing was completed there;
 *   - a segment header the file ends inside.
 * Everything else is *damage* that may hit an acknowledged record: a complete record (all
 * its declared bytes present) or complete header that fails its checksum, zeros with other
 * bytes after them, a bad record with a valid one after it, anything in an older segment, a
 * zxid that skips or steps back. Damage throws CorruptLogError, except damage at the end of
 * the last segment under `repair` (the operator's --repair-log), which is reported in `tail`
 * for the caller to log and drop. Pure: no I/O, so every cut of a file can be tested.
 */
import { crc32c } from '@node-rs/crc32';
import { assert } from '../util/assert.js';
import { CorruptLogError, StorageError } from './errors.js';
import {
  decodeRecordAt,
  decodeSegmentHeader,
  readUint53,
  recordBytesMin,
  recordHeaderBytes,
  segmentHeaderBytes,
  zxidBytes,
  type LogRecord,
} from './wal-format.js';
import { walPayloadBytesMax } from './limits.js';

export interface SegmentScanOptions {
  /** For error messages. */
  file: string;
  /** The zxid in the file name, which must be the first record's zxid. */
  firstZxid: number;
  /** Only the last segment may have a torn (or repairable damaged) tail. */
  isLast: boolean;
  /** Report damage at the end of the last segment in `tail` instead of throwing. */
  repair: boolean;
  /** Whether the caller offers --repair-log (the error message says so); default true. */
  repairOffered?: boolean;
}

/** The invalid end of the last segment: what it is and what dropping it loses. */
export interface SegmentTail {
  /** torn: an interrupted write, never acknowledged; damaged: dropped only under repair. */
  kind: 'torn' | 'damaged';
  problem: string;
  /** Bytes from validBytes to the end of the file. */
  droppedBytes: number;
  /** For damage: the records it spans when their declared lengths lead exactly to the end. */
  droppedRecords: number | null;
  /** The zxid the first dropped record would have had. */
  firstDroppedZxid: number;
}

export interface SegmentScan {
  /** Valid records in order, each zxid one more than the one before; views into the bytes. */
  records: LogRecord[];
  /** Bytes up to the end of the last valid record; 0 if the whole header is dropped. */
  validBytes: number;
  /** What made the end invalid, when validBytes < the file size. */
  tail: SegmentTail | null;
}

export function scanSegment(bytes: Buffer, options: SegmentScanOptions): SegmentScan {
  const header = decodeSegmentHeader(bytes);
  if (header.kind === 'unsupported') {
    throw new StorageError(
      'WARREN_STORAGE_VERSION',
      `write-ahead log ${options.file} has format version ${header.version}, which this ` +
        `Warren does not know; run the Warren version that wrote it, or a newer one.`,
    );
  }
  if (header.kind === 'bad') return scanTornHeader(bytes, options, header.problem);
  if (header.firstZxid !== options.firstZxid) {
    const problem = `header says first zxid ${header.firstZxid}, the file name`;
    throw new CorruptLogError(options.file, 0, `${problem} ${options.firstZxid}`);
  }
  const records: LogRecord[] = [];
  let offset = segmentHeaderBytes;
  let expected = options.firstZxid;
  while (offset < bytes.length) {
    const decoded = decodeRecordAt(bytes, offset);
    if (decoded.kind === 'bad') {
      const tail = judgeTail(bytes, offset, expected, decoded.problem, options);
      return { records, validBytes: offset, tail };
    }
    if (decoded.zxid !== expected) {
      const problem = `record has zxid ${decoded.zxid} where ${expected} was expected`;
      throw new CorruptLogError(options.file, offset, problem);
    }
    records.push({ zxid: decoded.zxid, payload: decoded.payload });
    expected += 1;
    offset = decoded.end;
  }
  assert(offset === bytes.length, 'segment scan overran the file');
  return { records, validBytes: offset, tail: null };
}

/** A header that does not verify: torn only if the file ends inside it or holds only zeros. */
function scanTornHeader(bytes: Buffer, options: SegmentScanOptions, problem: string): SegmentScan {
  const tail = judgeTail(bytes, 0, options.firstZxid, problem, options);
  return { records: [], validBytes: 0, tail };
}

/**
 * Judges the invalid bytes from `offset` (a record, or the header when 0) to the end: throws
 * CorruptLogError unless they are a torn write, or damage at the end of the log under repair.
 */
function judgeTail(
  bytes: Buffer,
  offset: number,
  nextZxid: number,
  problem: string,
  options: SegmentScanOptions,
): SegmentTail {
  const later = findLaterRecord(bytes, offset, nextZxid - 1);
  if (later !== null) {
    throw new CorruptLogError(
      options.file,
      offset,
      `${problem}, yet a valid record for zxid ${later.zxid} follows at offset ${later.offset}`,
    );
  }
  if (!options.isLast) {
    throw new CorruptLogError(options.file, offset, `${problem} in a segment that is not the last`);
  }
  const droppedBytes = bytes.length - offset;
  const torn = offset === 0 ? isTornHeader(bytes) : isTornRecord(bytes, offset);
  const base = { problem, droppedBytes, firstDroppedZxid: nextZxid };
  if (torn) return { kind: 'torn', ...base, droppedRecords: 0 };
  if (!options.repair) {
    const what = offset === 0 ? 'a complete segment header' : 'a complete record';
    throw new CorruptLogError(
      options.file,
      offset,
      `${what} fails verification (${problem}), so this is damage, not a write a crash cut short`,
      options.repairOffered ?? true,
    );
  }
  const droppedRecords = offset === 0 ? null : countDeclaredRecords(bytes, offset);
  return { kind: 'damaged', ...base, droppedRecords };
}

/** A header the file ends inside, or a file of zeros (created, extended, never written). */
function isTornHeader(bytes: Buffer): boolean {
  return bytes.length < segmentHeaderBytes || allZero(bytes, 0);
}

/**
 * Whether the bad record at `offset` is a write cut short: the file ends inside its header,
 * everything from it on is zeros, or its declared length runs past the end of the file (or
 * is no length at all) while the bytes to the end do not match its checksum (if they do, it
 * is a complete record whose length was damaged).
 */
function isTornRecord(bytes: Buffer, offset: number): boolean {
  if (bytes.length - offset < recordHeaderBytes) return true;
  if (allZero(bytes, offset)) return true;
  const length = bytes.readUInt32BE(offset);
  if (length === 0) return false;
  const payloadStart = offset + recordHeaderBytes;
  const rest = bytes.subarray(payloadStart);
  const complete = rest.length >= zxidBytes && crc32c(rest) === bytes.readUInt32BE(offset + 4);
  if (complete) return false;
  const possible = length >= zxidBytes && length <= zxidBytes + walPayloadBytesMax;
  return !possible || payloadStart + length > bytes.length;
}

function allZero(bytes: Buffer, from: number): boolean {
  for (let at = from; at < bytes.length; at++) if (bytes[at] !== 0) return false;
  return true;
}

/** How many records the declared lengths from `offset` span, if they end at the file's end. */
function countDeclaredRecords(bytes: Buffer, offset: number): number | null {
  let count = 0;
  for (let at = offset; at < bytes.length; count++) {
    if (bytes.length - at < recordBytesMin) return null;
    const length = bytes.readUInt32BE(at);
    if (length < zxidBytes || length > zxidBytes + walPayloadBytesMax) return null;
    at += recordHeaderBytes + length;
    if (at > bytes.length) return null;
  }
  return count;
}

/**
 * The first valid record after `badOffset` with a zxid above `lastGoodZxid`, or null. Each
 * record takes at least recordBytesMin bytes, so a record at position p can hold at most
 * zxid lastGoodZxid + 1 + (p - badOffset) / recordBytesMin: that cheap bound rejects almost
 * every position of random or zeroed bytes before any checksum is computed.
 */
export function findLaterRecord(
  bytes: Buffer,
  badOffset: number,
  lastGoodZxid: number,
): { offset: number; zxid: number } | null {
  for (let position = badOffset + 1; position + recordBytesMin <= bytes.length; position++) {
    const length = bytes.readUInt32BE(position);
    if (length < zxidBytes || position + recordHeaderBytes + length > bytes.length) continue;
    const zxid = readUint53(bytes, position + recordHeaderBytes);
    const zxidMax = lastGoodZxid + 1 + Math.floor((position - badOffset) / recordBytesMin);
    if (zxid <= lastGoodZxid || zxid > zxidMax) continue;
    const decoded = decodeRecordAt(bytes, position);
    if (decoded.kind === 'ok') return { offset: position, zxid: decoded.zxid };
  }
  return null;
}
