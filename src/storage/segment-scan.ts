/**
 * Validates the bytes of one WAL segment and tells a torn tail from corruption. A crash can
 * only tear what was written after the last fsync, and that is always the end of the last
 * segment; so a bad record counts as a torn tail only if it is in the last segment and no
 * valid record follows it. Anything else (a bad record with a good one after it, damage in an
 * older segment, a zxid that skips or steps back) may hit committed data and is reported as
 * CorruptLogError, never dropped. Pure: no I/O, so every cut of a file can be tested.
 */
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

export interface SegmentScanOptions {
  /** For error messages. */
  file: string;
  /** The zxid in the file name, which must be the first record's zxid. */
  firstZxid: number;
  /** Only the last segment may have a torn tail. */
  isLast: boolean;
}

export interface SegmentScan {
  /** Valid records in order, each zxid one more than the one before; views into the bytes. */
  records: LogRecord[];
  /** Bytes up to the end of the last valid record; 0 if the whole file is a torn header. */
  validBytes: number;
  /** What made the tail invalid, when validBytes < the file size. */
  tornProblem: string | null;
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
      checkTornTail(bytes, offset, expected - 1, decoded.problem, options);
      return { records, validBytes: offset, tornProblem: decoded.problem };
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
  return { records, validBytes: offset, tornProblem: null };
}

/** A header that does not verify is a torn creation only in the last file with no records. */
function scanTornHeader(bytes: Buffer, options: SegmentScanOptions, problem: string): SegmentScan {
  checkTornTail(bytes, 0, options.firstZxid - 1, problem, options);
  return { records: [], validBytes: 0, tornProblem: problem };
}

/** Throws unless the bad bytes at `offset` can be a torn tail. */
function checkTornTail(
  bytes: Buffer,
  offset: number,
  lastGoodZxid: number,
  problem: string,
  options: SegmentScanOptions,
): void {
  const later = findLaterRecord(bytes, offset, lastGoodZxid);
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
