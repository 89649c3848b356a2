/**
 * The write-ahead log: txns are durable once `append` resolves. The caller batches (group
 * commit); each append is one write and one fdatasync, so the fsync cost is shared by the
 * whole batch. Segments roll at a batch boundary once they pass segmentBytesMax.
 *
 * After a failed write or fsync the log is *failed* and rejects every append. A write error
 * (ENOSPC, ...) leaves the synced prefix intact, so `tryRecover` cuts the file back to it and
 * reopens the log. A failed fsync may have dropped dirty pages the kernel no longer reports,
 * so nothing on this file can be trusted until a restart re-reads it: that failure is final.
 *
 * `truncateFrom` drops a suffix (a new Raft leader overwrote it). It removes later segments
 * before it cuts the one holding the first dropped record, so a crash in between leaves a
 * dense prefix of the log, never a cut segment followed by a resurrected later one.
 *
 * Open a Wal with `recover()`, which validates the existing segments first.
 */
import { join } from 'node:path';
import { AssertionError, assert, fail } from '../util/assert.js';
import type { Disk, DiskFile } from './disk.js';
import { CorruptLogError, StorageError, fsyncFailed, writeFailed } from './errors.js';
import { listFiles, segmentPrefix, zxidToHex } from './layout.js';
import type { StorageLogger } from './logger.js';
import {
  decodeRecordAt,
  encodeBatch,
  encodeSegmentHeader,
  segmentHeaderBytes,
  type LogRecord,
} from './wal-format.js';

export interface WalSegmentPosition {
  path: string;
  firstZxid: number;
  /** Bytes up to the end of its last valid (synced) record. */
  validBytes: number;
  /** The zxid its next record would have. */
  nextZxid: number;
}

export interface WalOpenOptions {
  directory: string;
  disk: Disk;
  logger: StorageLogger;
  segmentBytesMax: number;
  /** The zxid the next append must start with. */
  nextZxid: number;
  /** The newest segment, to append to after its last valid record; null starts a new one. */
  last: WalSegmentPosition | null;
}

interface ActiveSegment {
  path: string;
  file: DiskFile;
  /** Everything before this offset is fsynced; the next write goes here. */
  syncedBytes: number;
  nextZxid: number;
}

export async function openWal(options: WalOpenOptions): Promise<Wal> {
  assert(options.segmentBytesMax > segmentHeaderBytes, 'segmentBytesMax is too small');
  let active: ActiveSegment | null = null;
  if (options.last !== null) {
    const { path, validBytes, nextZxid } = options.last;
    assert(validBytes >= segmentHeaderBytes, `segment ${path} has no valid header`);
    const file = await options.disk.open(path, 'readWrite');
    active = { path, file, syncedBytes: validBytes, nextZxid };
  }
  return new Wal(options, active);
}

export class Wal {
  private nextZxid: number;
  private busy = false;
  private closed = false;
  private failureError: StorageError | null = null;
  /** A truncation failed midway: the files no longer match our state, so only a restart helps. */
  private failureIsFinal = false;
  /** A segment this WAL created whose header never became durable; tryRecover removes it. */
  private abandoned: { path: string; file: DiskFile | null } | null = null;

  /** Use openWal (via recover); the constructor takes an already opened active segment. */
  constructor(
    private readonly options: WalOpenOptions,
    private active: ActiveSegment | null,
  ) {
    assert(Number.isSafeInteger(options.nextZxid) && options.nextZxid >= 1, 'bad nextZxid');
    this.nextZxid = options.nextZxid;
  }

  /** The zxid of the last durable record (or of the snapshot the log continues from). */
  get lastZxid(): number {
    return this.nextZxid - 1;
  }

  /** The error that stopped the log, or null while it accepts appends. */
  get failure(): StorageError | null {
    return this.failureError;
  }

  /**
   * Writes the batch and resolves once it is fsynced. Zxids must continue the log exactly
   * (each one more than the one before). Rejects with StorageError if the log is failed or
   * the write or fsync fails; a rejected batch is not durable and may be appended again after
   * tryRecover. Never call it again before the previous call settled.
   */
  async append(records: readonly LogRecord[]): Promise<void> {
    assert(!this.closed, 'append on a closed WAL');
    assert(!this.busy, 'append while another append or tryRecover is running');
    if (this.failureError !== null) throw this.stoppedError(this.failureError);
    for (let index = 0; index < records.length; index++) {
      const zxid = (records[index] as LogRecord).zxid;
      const expected = this.nextZxid + index;
      if (zxid !== expected) fail(`append of zxid ${zxid}, expected ${expected}`);
    }
    const batch = encodeBatch(records);
    this.busy = true;
    try {
      const segment = await this.segmentForAppend();
      await this.writeAndSync(segment, batch);
      segment.syncedBytes += batch.length;
      segment.nextZxid += records.length;
      this.nextZxid += records.length;
    } finally {
      this.busy = false;
    }
  }

  /**
   * After a write error: cuts the segment back to its synced end, fsyncs and resumes appends;
   * true if the log accepts appends again. After an fsync error always false: restart.
   */
  async tryRecover(): Promise<boolean> {
    assert(!this.closed, 'tryRecover on a closed WAL');
    assert(!this.busy, 'tryRecover while an append is running');
    const failure = this.failureError;
    if (failure === null) return true;
    if (failure.code !== 'WARREN_STORAGE_WRITE' || this.failureIsFinal) return false;
    this.busy = true;
    try {
      const undone = this.abandoned !== null ? await this.removeAbandoned() : await this.cutBack();
      if (undone) this.failureError = null;
      return undone;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Drops every record with zxid >= `zxid` and resolves once that is durable; the next append
   * continues at `zxid`. Never call it while an append runs. Rejects with StorageError if the
   * log is failed or an I/O step fails; such a failure is final (restart, which re-reads the
   * files): a crash or failure midway leaves a prefix of the log, never a gap.
   */
  async truncateFrom(zxid: number): Promise<void> {
    assert(!this.closed, 'truncateFrom on a closed WAL');
    assert(!this.busy, 'truncateFrom while an append or tryRecover is running');
    assert(
      Number.isSafeInteger(zxid) && zxid >= 1 && zxid <= this.nextZxid,
      `truncateFrom(${zxid}) outside the log, whose next zxid is ${this.nextZxid}`,
    );
    if (this.failureError !== null) throw this.stoppedError(this.failureError);
    if (zxid === this.nextZxid) return;
    this.busy = true;
    try {
      await this.dropFrom(zxid);
      this.nextZxid = zxid;
    } catch (error) {
      this.failureIsFinal = true;
      this.fail(error instanceof StorageError ? error : writeFailed('truncating the WAL', error));
      throw error;
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    assert(!this.busy, 'close while an append is running');
    if (this.closed) return;
    this.closed = true;
    const active = this.active;
    const abandoned = this.abandoned?.file ?? null;
    this.active = null;
    this.abandoned = null;
    if (abandoned !== null) await abandoned.close();
    if (active !== null) await active.file.close();
  }

  private stoppedError(failure: StorageError): StorageError {
    return new StorageError(
      failure.code,
      `write-ahead log is stopped by an earlier failure: ${failure.message}`,
      { cause: failure },
    );
  }

  private fail(error: StorageError): StorageError {
    this.failureError = error;
    return error;
  }

  private async segmentForAppend(): Promise<ActiveSegment> {
    const active = this.active;
    const full = active !== null && active.syncedBytes >= this.options.segmentBytesMax;
    // A log that ends before the snapshot it continues from starts a fresh segment.
    const behind = active !== null && active.nextZxid !== this.nextZxid;
    if (active !== null && !full && !behind) return active;
    const created = await this.createSegment(this.nextZxid);
    this.active = created;
    if (active !== null) {
      await active.file.close().catch((error: unknown) => {
        // Its contents are already fsynced; a failing close loses nothing.
        this.options.logger.warn({ err: error, path: active.path }, 'closing a WAL segment failed');
      });
    }
    return created;
  }

  /** Creates a segment and makes its header and directory entry durable before any record. */
  private async createSegment(firstZxid: number): Promise<ActiveSegment> {
    const { disk, directory } = this.options;
    const path = join(directory, segmentPrefix + zxidToHex(firstZxid));
    let file: DiskFile;
    try {
      // createNew never clobbers an existing file; if this fails, nothing was created.
      file = await disk.open(path, 'createNew');
    } catch (error) {
      throw this.fail(writeFailed(`creating WAL segment ${path}`, error));
    }
    this.abandoned = { path, file };
    try {
      await file.writeAll(encodeSegmentHeader(firstZxid), 0);
    } catch (error) {
      throw this.fail(writeFailed(`writing the header of WAL segment ${path}`, error));
    }
    try {
      await file.datasync();
      await disk.syncDirectory(directory);
    } catch (error) {
      throw this.fail(fsyncFailed(`new WAL segment ${path}`, error));
    }
    this.abandoned = null;
    return { path, file, syncedBytes: segmentHeaderBytes, nextZxid: firstZxid };
  }

  private async writeAndSync(segment: ActiveSegment, batch: Buffer): Promise<void> {
    try {
      await segment.file.writeAll(batch, segment.syncedBytes);
    } catch (error) {
      throw this.fail(writeFailed(`writing to WAL segment ${segment.path}`, error));
    }
    try {
      await segment.file.datasync();
    } catch (error) {
      const failed = this.fail(fsyncFailed(`WAL segment ${segment.path}`, error));
      await this.dropUnsynced(segment);
      throw failed;
    }
  }

  /**
   * After a failed fsync the kernel may mark the batch's pages clean without writing them and
   * go on serving them from its cache: a restart would read records never synced (never
   * acknowledged) as durable, append after them, and lose them at the next power cut.
   * Cutting the file back to its synced end hides them at once. The log stays failed.
   */
  private async dropUnsynced(segment: ActiveSegment): Promise<void> {
    try {
      await segment.file.truncate(segment.syncedBytes);
    } catch (error) {
      const { logger } = this.options;
      const fields = { err: error, path: segment.path, syncedBytes: segment.syncedBytes };
      logger.warn(fields, 'could not cut unsynced WAL records off after a failed fsync');
    }
  }

  /** Removes the segments after the one holding `zxid` (newest first), then cuts that one. */
  private async dropFrom(zxid: number): Promise<void> {
    const { disk, directory } = this.options;
    const segments = await listFiles(disk, directory, segmentPrefix);
    let holderIndex = segments.length - 1;
    while (holderIndex >= 0 && (segments[holderIndex]?.zxid ?? 0) > zxid) holderIndex--;
    const holder = segments[holderIndex];
    assert(holder !== undefined, `truncateFrom(${zxid}): no segment holds it (purged?)`);
    // A holder that would be left without records goes too; the next append recreates it.
    const doomed = segments.slice(holder.zxid < zxid ? holderIndex + 1 : holderIndex).reverse();
    const active = this.active;
    if (active !== null && doomed.some((segment) => segment.path === active.path)) {
      this.active = null;
      await active.file.close().catch((error: unknown) => {
        this.options.logger.warn({ err: error, path: active.path }, 'closing a WAL segment failed');
      });
    }
    for (const segment of doomed) await this.removeSegment(segment.path);
    if (doomed.length > 0) {
      // The removals must be durable before the cut, or a crash could bring back a later
      // segment after a cut one: a gap that recovery would rightly call corruption.
      await disk.syncDirectory(directory).catch((error: unknown) => {
        throw fsyncFailed(`WAL directory ${directory}`, error);
      });
    }
    if (holder.zxid < zxid) await this.cutSegment(holder.path, holder.zxid, zxid);
  }

  private async removeSegment(path: string): Promise<void> {
    await this.options.disk.remove(path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw writeFailed(`removing WAL segment ${path} to truncate the log`, error);
    });
  }

  /** Cuts the segment at the record for `zxid`; it becomes the active segment. */
  private async cutSegment(path: string, firstZxid: number, zxid: number): Promise<void> {
    const active = this.active;
    const file =
      active?.path === path
        ? active.file
        : await this.options.disk.open(path, 'readWrite').catch((error: unknown) => {
            throw writeFailed(`opening WAL segment ${path} to truncate it`, error);
          });
    this.active = null;
    try {
      // Read by path: the active segment's handle was opened write-only.
      const contents = await this.options.disk.readFile(path);
      const offset = recordOffset(contents, path, firstZxid, zxid);
      await file.truncate(offset).catch((error: unknown) => {
        throw writeFailed(`truncating WAL segment ${path}`, error);
      });
      await file.datasync().catch((error: unknown) => {
        throw fsyncFailed(`WAL segment ${path}`, error);
      });
      this.active = { path, file, syncedBytes: offset, nextZxid: zxid };
    } catch (error) {
      await file.close().catch(() => undefined); // already failing; the first error matters
      throw error;
    }
  }

  /** Drops the bytes of a failed write after the synced end of the active segment. */
  private async cutBack(): Promise<boolean> {
    const active = this.active;
    if (active === null) return true; // only a segment creation failed, before any file
    try {
      await active.file.truncate(active.syncedBytes);
    } catch (error) {
      this.options.logger.warn({ err: error, path: active.path }, 'WAL truncate failed');
      return false;
    }
    try {
      await active.file.datasync();
    } catch (error) {
      this.fail(fsyncFailed(`WAL segment ${active.path}`, error));
      return false;
    }
    return true;
  }

  /** Removes a segment whose creation failed; the next append creates it again. */
  private async removeAbandoned(): Promise<boolean> {
    const abandoned = this.abandoned;
    assert(abandoned !== null, 'no abandoned segment');
    try {
      await abandoned.file?.close();
      abandoned.file = null;
      await this.options.disk.remove(abandoned.path).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      });
    } catch (error) {
      this.options.logger.warn({ err: error, path: abandoned.path }, 'removing failed segment');
      return false;
    }
    try {
      await this.options.disk.syncDirectory(this.options.directory);
    } catch (error) {
      this.fail(fsyncFailed(`WAL directory ${this.options.directory}`, error));
      return false;
    }
    this.abandoned = null;
    return true;
  }
}

/** The byte offset of the record for `zxid` in a segment's bytes (starting at `firstZxid`). */
function recordOffset(contents: Buffer, path: string, firstZxid: number, zxid: number): number {
  let offset = segmentHeaderBytes;
  for (let expected = firstZxid; expected <= zxid; expected++) {
    const decoded = decodeRecordAt(contents, offset);
    if (decoded.kind === 'bad') {
      throw new CorruptLogError(path, offset, `${decoded.problem} (while truncating the log)`);
    }
    if (decoded.zxid !== expected) {
      const problem = `record has zxid ${decoded.zxid} where ${expected} was expected`;
      throw new CorruptLogError(path, offset, problem);
    }
    if (expected === zxid) return offset;
    offset = decoded.end;
  }
  throw new AssertionError(`recordOffset: zxid ${zxid} is before segment start ${firstZxid}`);
}
