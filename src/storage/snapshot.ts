/**
 * Snapshots: the whole tree at one zxid, as opaque records, so recovery replays only the log
 * after it. The file is written under a temporary name and renamed only once it is fsynced,
 * so a crash never leaves a half snapshot under a real name. The producer is an (async)
 * iterable and the writer awaits a write every snapshotFlushBytes, so the event loop keeps
 * turning while a large tree is written.
 *
 *   header:  "WRNSNP" | u16 version=1 | u64 zxid | u32 crc32c(previous 16 bytes)
 *   record:  u32 length | u32 crc32c(bytes) | bytes           (repeated)
 *   trailer: u32 0xffffffff | u64 record count | u32 crc32c(every byte before this field)
 */
import { crc32c } from '@node-rs/crc32';
import { basename, join } from 'node:path';
import { assert } from '../util/assert.js';
import { nodeDisk, type Disk, type DiskFile } from './disk.js';
import { CorruptSnapshotError, StorageError, fsyncFailed, writeFailed } from './errors.js';
import {
  ensureDirectory,
  listFiles,
  parseFileName,
  snapshotPrefix,
  temporarySuffix,
  zxidToHex,
  type StorageFile,
} from './layout.js';
import { snapshotBytesMax, snapshotFlushBytes, snapshotRecordBytesMax } from './limits.js';
import { defaultStorageLogger, type StorageLogger } from './logger.js';
import { readUint53, writeUint53 } from './wal-format.js';

const snapshotMagic = Buffer.from('WRNSNP', 'latin1');
const snapshotFormatVersion = 1;
const headerBytes = 20;
const endMarker = 0xffffffff;
const trailerBytes = 16;
const recordHeaderBytes = 8;

export interface Snapshot {
  zxid: number;
  /** The records in write order; views into one buffer holding the whole file. */
  records: Buffer[];
}

export interface SnapshotOptions {
  disk?: Disk;
  logger?: StorageLogger;
}

/** Snapshot files in `directory`, newest (highest zxid) first. */
export async function listSnapshots(
  directory: string,
  disk: Disk = nodeDisk,
): Promise<StorageFile[]> {
  const files: StorageFile[] = await listFiles(disk, directory, snapshotPrefix);
  return files.reverse();
}

/**
 * Writes `snapshot.<zxid>` in `directory` (created if needed) and returns its path once the
 * file and its directory entry are durable. Rejects with StorageError on an I/O failure, after
 * removing the temporary file; the log still holds everything, so a failed snapshot loses no
 * data.
 */
export async function writeSnapshot(
  directory: string,
  zxid: number,
  records: AsyncIterable<Buffer> | Iterable<Buffer>,
  options: SnapshotOptions = {},
): Promise<string> {
  const disk = options.disk ?? nodeDisk;
  const path = join(directory, snapshotPrefix + zxidToHex(zxid));
  const temporary = path + temporarySuffix;
  let file: DiskFile | null = null;
  try {
    await ensureDirectory(disk, directory).catch((error: unknown) => {
      throw writeFailed(`creating snapshot directory ${directory}`, error);
    });
    file = await disk.open(temporary, 'overwrite').catch((error: unknown) => {
      throw writeFailed(`creating snapshot ${temporary}`, error);
    });
    await writeContents(new SnapshotFileWriter(file, temporary), zxid, records);
    await file.datasync().catch((error: unknown) => {
      throw fsyncFailed(`snapshot ${temporary}`, error);
    });
    const opened = file;
    file = null;
    await opened.close().catch((error: unknown) => {
      throw writeFailed(`closing snapshot ${temporary}`, error);
    });
    await disk.rename(temporary, path).catch((error: unknown) => {
      throw writeFailed(`renaming snapshot ${temporary}`, error);
    });
    await disk.syncDirectory(directory).catch((error: unknown) => {
      throw fsyncFailed(`snapshot directory ${directory}`, error);
    });
    return path;
  } catch (error) {
    await discardTemporary(disk, file, temporary, options.logger ?? defaultStorageLogger());
    throw error;
  }
}

async function writeContents(
  writer: SnapshotFileWriter,
  zxid: number,
  records: AsyncIterable<Buffer> | Iterable<Buffer>,
): Promise<void> {
  const header = Buffer.alloc(headerBytes);
  snapshotMagic.copy(header, 0);
  header.writeUInt16BE(snapshotFormatVersion, 6);
  writeUint53(header, zxid, 8);
  header.writeUInt32BE(crc32c(header.subarray(0, 16)), 16);
  await writer.write(header);
  let count = 0;
  // A sync producer is iterated without a promise per record: that is most of the cost.
  if (Symbol.iterator in records) {
    for (const record of records) {
      if (!writer.tryPutRecord(record)) await writer.putRecord(record);
      count += 1;
    }
  } else {
    for await (const record of records) {
      if (!writer.tryPutRecord(record)) await writer.putRecord(record);
      count += 1;
    }
  }
  const trailer = Buffer.alloc(trailerBytes);
  trailer.writeUInt32BE(endMarker, 0);
  writeUint53(trailer, count, 4);
  await writer.write(trailer.subarray(0, 12));
  trailer.writeUInt32BE(writer.checksum(), 12);
  await writer.write(trailer.subarray(12));
  await writer.flush();
}

/** Buffers writes into snapshotFlushBytes chunks and keeps a running checksum of them. */
class SnapshotFileWriter {
  private readonly buffer = Buffer.allocUnsafe(snapshotFlushBytes);
  private used = 0;
  private position = 0;
  private runningChecksum = 0;

  constructor(
    private readonly file: DiskFile,
    private readonly path: string,
  ) {}

  /** crc32c of every byte written so far. */
  checksum(): number {
    return crc32c(this.buffer.subarray(0, this.used), this.runningChecksum);
  }

  /** Buffers a record without I/O if it fits; false means call putRecord. */
  tryPutRecord(record: Buffer): boolean {
    assert(record.length <= snapshotRecordBytesMax, `snapshot record of ${record.length} bytes`);
    if (this.used + recordHeaderBytes + record.length > this.buffer.length) return false;
    this.buffer.writeUInt32BE(record.length, this.used);
    this.buffer.writeUInt32BE(crc32c(record), this.used + 4);
    record.copy(this.buffer, this.used + recordHeaderBytes);
    this.used += recordHeaderBytes + record.length;
    return true;
  }

  async putRecord(record: Buffer): Promise<void> {
    await this.flush();
    if (this.tryPutRecord(record)) return;
    const header = Buffer.alloc(recordHeaderBytes);
    header.writeUInt32BE(record.length, 0);
    header.writeUInt32BE(crc32c(record), 4);
    await this.write(header);
    await this.write(record);
  }

  async write(bytes: Buffer): Promise<void> {
    if (bytes.length > this.buffer.length - this.used) await this.flush();
    if (bytes.length > this.buffer.length) {
      await this.writeThrough(bytes);
      return;
    }
    bytes.copy(this.buffer, this.used);
    this.used += bytes.length;
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    await this.writeThrough(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  private async writeThrough(bytes: Buffer): Promise<void> {
    if (this.position + bytes.length > snapshotBytesMax) {
      throw new StorageError(
        'WARREN_STORAGE_LIMIT',
        `snapshot ${this.path} would exceed snapshotBytesMax (${snapshotBytesMax} bytes); ` +
          'the tree is too large for this snapshot format: reduce the data stored in Warren.',
      );
    }
    this.runningChecksum = crc32c(bytes, this.runningChecksum);
    try {
      await this.file.writeAll(bytes, this.position);
    } catch (error) {
      throw writeFailed(`writing snapshot ${this.path}`, error);
    }
    this.position += bytes.length;
  }
}

async function discardTemporary(
  disk: Disk,
  file: DiskFile | null,
  temporary: string,
  logger: StorageLogger,
): Promise<void> {
  // Recovery removes leftover temporary files, so a failure here costs only disk space.
  await file?.close().catch((error: unknown) => {
    logger.warn({ err: error, path: temporary }, 'could not close a failed snapshot');
  });
  await disk.remove(temporary).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    logger.warn({ err: error, path: temporary }, 'could not remove a failed snapshot');
  });
}

/**
 * Reads and verifies a whole snapshot: header, every record checksum, the record count and
 * the file checksum. Throws CorruptSnapshotError on any mismatch, StorageError if the format
 * version is unknown, and the fs error if the file cannot be read.
 */
export async function readSnapshot(path: string, disk: Disk = nodeDisk): Promise<Snapshot> {
  const bytes = await readWhole(disk, path);
  const corrupt = (problem: string) => new CorruptSnapshotError(path, problem);
  if (bytes.length < headerBytes + trailerBytes) throw corrupt(`only ${bytes.length} bytes`);
  if (!bytes.subarray(0, 6).equals(snapshotMagic)) throw corrupt('no WRNSNP magic');
  if (bytes.readUInt32BE(16) !== crc32c(bytes.subarray(0, 16))) throw corrupt('bad header');
  const version = bytes.readUInt16BE(6);
  if (version !== snapshotFormatVersion) {
    throw new StorageError(
      'WARREN_STORAGE_VERSION',
      `snapshot ${path} has format version ${version}, which this Warren does not know; ` +
        'run the Warren version that wrote it, or a newer one.',
    );
  }
  const zxid = readUint53(bytes, 8);
  const nameZxid = parseFileName(basename(path), snapshotPrefix);
  if (zxid < 0 || (nameZxid !== null && nameZxid !== zxid)) {
    throw corrupt(`header zxid ${zxid} does not match the file name`);
  }
  const records = readRecords(bytes, corrupt);
  return { zxid, records };
}

/**
 * A whole snapshot file's bytes held in memory (an upload, not a file): verified as
 * readSnapshot verifies a file, `label` naming it in errors.
 */
export function decodeSnapshotBytes(bytes: Buffer, label: string): Snapshot {
  const corrupt = (problem: string) => new CorruptSnapshotError(label, problem);
  if (bytes.length > snapshotBytesMax) throw corrupt(`${bytes.length} bytes is over the cap`);
  if (bytes.length < headerBytes + trailerBytes) throw corrupt(`only ${bytes.length} bytes`);
  if (!bytes.subarray(0, 6).equals(snapshotMagic)) throw corrupt('no WRNSNP magic');
  if (bytes.readUInt32BE(16) !== crc32c(bytes.subarray(0, 16))) throw corrupt('bad header');
  const version = bytes.readUInt16BE(6);
  if (version !== snapshotFormatVersion) throw corrupt(`unknown format version ${version}`);
  return { zxid: readUint53(bytes, 8), records: readRecords(bytes, corrupt) };
}

/** The bytes of a snapshot file holding `records` at `zxid` (what writeSnapshot writes). */
export function encodeSnapshotBytes(zxid: number, records: Iterable<Buffer>): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(headerBytes);
  snapshotMagic.copy(header, 0);
  header.writeUInt16BE(snapshotFormatVersion, 6);
  writeUint53(header, zxid, 8);
  header.writeUInt32BE(crc32c(header.subarray(0, 16)), 16);
  parts.push(header);
  let count = 0;
  let total = headerBytes + trailerBytes;
  for (const record of records) {
    assert(record.length <= snapshotRecordBytesMax, `snapshot record of ${record.length} bytes`);
    const recordHeader = Buffer.alloc(recordHeaderBytes);
    recordHeader.writeUInt32BE(record.length, 0);
    recordHeader.writeUInt32BE(crc32c(record), 4);
    parts.push(recordHeader, record);
    count += 1;
    total += recordHeaderBytes + record.length;
    if (total > snapshotBytesMax) {
      throw new StorageError('WARREN_STORAGE_LIMIT', `a snapshot over ${snapshotBytesMax} bytes`);
    }
  }
  const trailer = Buffer.alloc(trailerBytes);
  trailer.writeUInt32BE(endMarker, 0);
  writeUint53(trailer, count, 4);
  parts.push(trailer);
  const bytes = Buffer.concat(parts, total);
  bytes.writeUInt32BE(crc32c(bytes.subarray(0, total - 4)), total - 4);
  return bytes;
}

function readRecords(bytes: Buffer, corrupt: (problem: string) => Error): Buffer[] {
  const records: Buffer[] = [];
  const recordsEnd = bytes.length - trailerBytes;
  let offset = headerBytes;
  while (offset < recordsEnd) {
    const length = bytes.readUInt32BE(offset);
    if (length === endMarker) break;
    const start = offset + 8;
    if (length > snapshotRecordBytesMax || start + length > recordsEnd) {
      throw corrupt(`record at offset ${offset} has impossible length ${length}`);
    }
    const record = bytes.subarray(start, start + length);
    if (crc32c(record) !== bytes.readUInt32BE(offset + 4)) {
      throw corrupt(`record at offset ${offset} fails its checksum`);
    }
    records.push(record);
    offset = start + length;
  }
  if (offset !== recordsEnd || bytes.readUInt32BE(offset) !== endMarker) {
    throw corrupt(`no trailer where the records end (offset ${offset})`);
  }
  const count = readUint53(bytes, offset + 4);
  if (count !== records.length) {
    throw corrupt(`trailer counts ${count} records, the file holds ${records.length}`);
  }
  if (crc32c(bytes.subarray(0, bytes.length - 4)) !== bytes.readUInt32BE(bytes.length - 4)) {
    throw corrupt('file checksum mismatch');
  }
  return records;
}

async function readWhole(disk: Disk, path: string): Promise<Buffer> {
  const file = await disk.open(path, 'read');
  try {
    const size = await file.size();
    if (size > snapshotBytesMax) {
      throw new CorruptSnapshotError(path, `${size} bytes is more than snapshotBytesMax`);
    }
    const bytes = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const read = await file.read(bytes, done, Math.min(size - done, 16 * 1024 * 1024), done);
      if (read === 0) throw new CorruptSnapshotError(path, 'file shrank while being read');
      done += read;
    }
    return bytes;
  } finally {
    await file.close();
  }
}
