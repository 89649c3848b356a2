/**
 * Snapshots: the whole tree at one zxid, as opaque records, so recovery replays only the log
 * after it. The file is written under a temporary name and renamed only once it is fsynced,
 * so a crash never leaves a half snapshot under a real name. The producer is an (async)
 * iterable and the writer awaits a write every snapshotFlushBytes, so the event loop keeps
 * turning while a large tree is written. Readers stream the file in bounded chunks
 * (snapshot-stream.ts), checking every field below as they go.
 *
 *   header:  "WRNSNP" | u16 version=1 | u64 zxid | u32 crc32c(previous 16 bytes)
 *   record:  u32 length | u32 crc32c(bytes) | bytes           (repeated)
 *   trailer: u32 0xffffffff | u64 record count | u32 crc32c(every byte before this field)
 */
import { crc32c } from '@node-rs/crc32';
import { join } from 'node:path';
import { fail } from '../util/assert.js';
import { nodeDisk, type Disk, type DiskFile } from './disk.js';
import { CorruptSnapshotError, StorageError, fsyncFailed, writeFailed } from './errors.js';
import {
  ensureDirectory,
  listFiles,
  snapshotPrefix,
  temporarySuffix,
  zxidToHex,
  type StorageFile,
} from './layout.js';
import { snapshotBytesMax, snapshotFlushBytes, snapshotRecordBytesMax } from './limits.js';
import { defaultStorageLogger, type StorageLogger } from './logger.js';
import {
  endMarker,
  headerBytes,
  recordHeaderBytes,
  snapshotFormatVersion,
  snapshotMagic,
  trailerBytes,
} from './snapshot-format.js';
import { SnapshotParser, streamSnapshot } from './snapshot-stream.js';
import { writeUint53 } from './wal-format.js';

export interface Snapshot {
  zxid: number;
  /** The records in write order. */
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
    if (record.length > snapshotRecordBytesMax) fail(`snapshot record of ${record.length} bytes`);
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
 * Reads and verifies a whole snapshot (snapshot-stream.ts): header, every record checksum,
 * the record count and the file checksum, keeping a copy of every record. Throws
 * CorruptSnapshotError on any mismatch, StorageError if the format version is unknown, and
 * the fs error if the file cannot be read. Recovery streams instead of holding all records.
 */
export async function readSnapshot(path: string, disk: Disk = nodeDisk): Promise<Snapshot> {
  const records: Buffer[] = [];
  const { zxid } = await streamSnapshot(path, disk, {
    record: (bytes) => records.push(Buffer.from(bytes)),
  });
  return { zxid, records };
}

/**
 * A whole snapshot file's bytes held in memory (an upload, not a file): verified as
 * readSnapshot verifies a file, `label` naming it in errors. The records are views into
 * `bytes`: pushed as one chunk, no record is split, so none is in the parser's own buffer.
 */
export function decodeSnapshotBytes(bytes: Buffer, label: string): Snapshot {
  const records: Buffer[] = [];
  const parser = new SnapshotParser(
    bytes.length,
    { record: (record) => records.push(record) },
    {
      label,
      nameZxid: null,
      unknownVersion: (version) =>
        new CorruptSnapshotError(label, `unknown format version ${version}`, 6),
    },
  );
  parser.push(bytes);
  return { zxid: parser.end().zxid, records };
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
    if (record.length > snapshotRecordBytesMax) fail(`snapshot record of ${record.length} bytes`);
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
