/**
 * Reads the WAL at start-up: every record after the snapshot, checked for gaps, with a torn
 * tail of the last segment cut off (and logged) so the log can be appended to again. Damage
 * (segment-scan.ts tells it from a torn write) stops start-up with CorruptLogError, unless
 * `repair` (the operator's --repair-log) and the damage is the end of the log: then a warning
 * names the file, offset, bytes, records and zxids dropped, before they are. Segments whose
 * records all precede the snapshot are not read; purge deletes them in time.
 */
import type { Disk } from './disk.js';
import { CorruptLogError, fsyncFailed, writeFailed } from './errors.js';
import { listFiles, segmentPrefix, type StorageFile } from './layout.js';
import type { StorageLogger } from './logger.js';
import { scanSegment, type SegmentTail } from './segment-scan.js';
import type { WalSegmentPosition } from './wal.js';
import type { LogRecord } from './wal-format.js';

export interface ReadLogOptions {
  /** Drop damage at the end of the log (after a warning) instead of refusing to start. */
  readonly repair: boolean;
}

export interface LogContents {
  /** Records with zxid above the snapshot's, in order; copies, safe to keep. */
  txns: LogRecord[];
  /** The zxid of the last valid record; snapshotZxid if the log holds nothing after it. */
  lastZxid: number;
  /** Where appends continue, or null if a new segment must be started. */
  last: WalSegmentPosition | null;
}

export async function readLog(
  disk: Disk,
  directory: string,
  snapshotZxid: number,
  logger: StorageLogger,
  options: ReadLogOptions = { repair: false },
): Promise<LogContents> {
  const segments = await listFiles(disk, directory, segmentPrefix);
  if (segments.length === 0) return { txns: [], lastZxid: snapshotZxid, last: null };
  const start = findStart(segments, snapshotZxid);
  const txns: LogRecord[] = [];
  let expected = segments[start]?.zxid ?? 0;
  let last: WalSegmentPosition | null = null;
  for (const segment of segments.slice(start)) {
    if (segment.zxid !== expected) {
      const problem = `it starts at zxid ${segment.zxid}, but the log before ends at`;
      throw new CorruptLogError(segment.path, 0, `${problem} ${expected - 1}`);
    }
    const bytes = await disk.readFile(segment.path);
    const isLast = segment === segments[segments.length - 1];
    const file = segment.path;
    const scan = scanSegment(bytes, { file, firstZxid: segment.zxid, isLast, ...options });
    for (const record of scan.records) {
      if (record.zxid > snapshotZxid) {
        txns.push({ zxid: record.zxid, payload: Buffer.from(record.payload) });
      }
    }
    expected = segment.zxid + scan.records.length;
    const position = { path: segment.path, firstZxid: segment.zxid, nextZxid: expected };
    if (scan.tail !== null) {
      logTail(logger, segment.path, scan.validBytes, scan.tail);
      await cutTornTail(disk, directory, segment.path, scan.validBytes);
    }
    // A segment reduced to nothing (its header was torn) is gone; the one before stays last.
    if (scan.validBytes > 0) last = { ...position, validBytes: scan.validBytes };
  }
  const lastZxid = expected - 1;
  if (lastZxid < snapshotZxid) {
    logger.warn(
      { lastLogZxid: lastZxid, snapshotZxid },
      'the WAL ends before the snapshot; continuing from the snapshot in a new segment',
    );
  }
  return { txns, lastZxid: Math.max(lastZxid, snapshotZxid), last };
}

/** Says what is dropped before it is: a torn write, or damage under --repair-log. */
function logTail(logger: StorageLogger, path: string, offset: number, tail: SegmentTail): void {
  const { problem, droppedBytes, firstDroppedZxid } = tail;
  if (tail.kind === 'torn') {
    logger.warn(
      { path, offset, droppedBytes, problem },
      'cutting a torn tail off the last WAL segment (an incomplete write cut short by a crash)',
    );
    return;
  }
  const count = tail.droppedRecords;
  const lastDroppedZxid = count === null ? null : firstDroppedZxid + count - 1;
  const zxids = `${firstDroppedZxid} ${lastDroppedZxid === null ? 'on' : `to ${lastDroppedZxid}`}`;
  const fields = { path, offset, droppedBytes, droppedRecords: count, problem };
  logger.warn(
    { ...fields, firstDroppedZxid, lastDroppedZxid },
    `--repair-log: dropping ${count ?? 'an unknown number of'} damaged record(s) (${droppedBytes} ` +
      `bytes, zxids ${zxids}) from ${path} at byte offset ${offset}`,
  );
}

/** The last segment that starts at or before snapshotZxid + 1: the first one needed. */
function findStart(segments: StorageFile[], snapshotZxid: number): number {
  let start = -1;
  segments.forEach((segment, index) => {
    if (segment.zxid <= snapshotZxid + 1) start = index;
  });
  const first = segments[0];
  if (start < 0 && first !== undefined) {
    throw new CorruptLogError(
      first.path,
      0,
      `the log starts at zxid ${first.zxid} but the newest valid snapshot is at zxid ` +
        `${snapshotZxid}, so zxids ${snapshotZxid + 1} to ${first.zxid - 1} are missing`,
    );
  }
  return start;
}

/** Cuts a tail; a segment whose header is dropped is removed entirely. */
async function cutTornTail(
  disk: Disk,
  directory: string,
  path: string,
  validBytes: number,
): Promise<void> {
  if (validBytes === 0) await removeSegment(disk, directory, path);
  else await truncateSegment(disk, path, validBytes);
}

async function truncateSegment(disk: Disk, path: string, length: number): Promise<void> {
  const file = await disk.open(path, 'readWrite');
  try {
    await file.truncate(length).catch((error: unknown) => {
      throw writeFailed(`cutting the torn tail of ${path}`, error);
    });
    await file.datasync().catch((error: unknown) => {
      throw fsyncFailed(path, error);
    });
  } finally {
    await file.close();
  }
}

/** A last segment whose header never became durable holds no acknowledged record. */
async function removeSegment(disk: Disk, directory: string, path: string): Promise<void> {
  await disk.remove(path).catch((error: unknown) => {
    throw writeFailed(`removing the torn segment ${path}`, error);
  });
  await disk.syncDirectory(directory).catch((error: unknown) => {
    throw fsyncFailed(directory, error);
  });
}
