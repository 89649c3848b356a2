/**
 * Raft snapshot files: a storage/snapshot.ts file named by the Raft index whose first record
 * is the meta record (raft-snapshot-meta.ts) and whose other records are the state machine's.
 * Recovery streams the newest file (snapshot-stream.ts) into a consumer the host makes once
 * the meta record is read, so the tree is rebuilt as the file is read, never held whole.
 * A snapshot received from the leader is first staged under a name no listing sees, verified,
 * and only then renamed to `snapshot.<index>`; a staged one a crash left is removed at start.
 */
import { crc32c } from '@node-rs/crc32';
import { basename, join } from 'node:path';
import type { StoredSnapshotMeta as SnapshotMeta } from './raft-types.js';
import type { Disk, DiskFile } from './disk.js';
import { CorruptSnapshotError, fsyncFailed, writeFailed } from './errors.js';
import { snapshotPrefix, temporarySuffix, zxidToHex } from './layout.js';
import { snapshotBytesMax, snapshotReadChunkBytes } from './limits.js';
import type { StorageLogger } from './logger.js';
import {
  decodeSnapshotBytes,
  encodeSnapshotBytes,
  listSnapshots,
  writeSnapshot,
  type Snapshot,
} from './snapshot.js';
import { streamSnapshot, type SnapshotRecordSink } from './snapshot-stream.js';
import { decodeSnapshotMeta, encodeSnapshotMeta } from './raft-snapshot-meta.js';
import type { RaftPaths } from './raft-layout.js';

export interface RaftSnapshotContents {
  readonly meta: SnapshotMeta;
  /** The state machine's records (the meta record stripped). */
  readonly records: Buffer[];
}

/** Takes one snapshot file's state machine records as they are read and verified. */
export interface RaftSnapshotConsumer {
  /**
   * A record whose checksum passed, in file order; `offset` is its place in the file. A view
   * valid only during the call. The file is not known to be whole until `end`.
   */
  record(bytes: Buffer, offset: number): void;
  /** Every record was passed on and the whole file verified. */
  end(): void;
}

/**
 * Makes the consumer for one file once its meta record is read; `fileBytes` is the file's size
 * (for a progress line). A file that proves damaged drops its consumer without `end`.
 */
export type RaftSnapshotLoader = (
  meta: SnapshotMeta,
  file: { readonly path: string; readonly fileBytes: number },
) => RaftSnapshotConsumer;

export function raftSnapshotPath(paths: RaftPaths, index: number): string {
  return join(paths.snapshotDirectory, snapshotPrefix + zxidToHex(index));
}

/**
 * The meta record of a snapshot file's bytes, checking only the header and that record (the
 * sender's view; the receiver verifies the whole file). CorruptSnapshotError if they are bad.
 */
export function peekSnapshotMeta(fileBytes: Buffer): SnapshotMeta {
  const corrupt = (problem: string) => new CorruptSnapshotError('(snapshot bytes)', problem);
  const headerBytes = 20;
  const recordStart = headerBytes + 8;
  if (fileBytes.length < recordStart) throw corrupt(`only ${fileBytes.length} bytes`);
  const length = fileBytes.readUInt32BE(headerBytes);
  const record = fileBytes.subarray(recordStart, recordStart + length);
  if (record.length !== length || crc32c(record) !== fileBytes.readUInt32BE(headerBytes + 4)) {
    throw corrupt('the meta record is cut short or fails its checksum');
  }
  const meta = decodeSnapshotMeta(record);
  if (typeof meta === 'string') throw corrupt(meta);
  return meta;
}

/**
 * Streams the file at `path` (`chunkBytes` at a time) into the consumer `load` makes, checking
 * the meta record (first, and at the header's index) before any state machine record; resolves
 * with the meta once the whole file verified and `end` returned. CorruptSnapshotError if the
 * file or its meta is bad; whatever the consumer throws.
 */
export async function streamRaftSnapshot(
  path: string,
  disk: Disk,
  load: RaftSnapshotLoader,
  chunkBytes: number = snapshotReadChunkBytes,
): Promise<SnapshotMeta> {
  let headerZxid = -1;
  let fileBytes = 0;
  const found: { meta: SnapshotMeta | null; consumer: RaftSnapshotConsumer | null } = {
    meta: null,
    consumer: null,
  };
  const sink: SnapshotRecordSink = {
    header(zxid, size) {
      headerZxid = zxid;
      fileBytes = size;
    },
    record(bytes, offset) {
      if (found.consumer !== null) {
        found.consumer.record(bytes, offset);
        return;
      }
      const meta = decodeSnapshotMeta(bytes);
      if (typeof meta === 'string') throw new CorruptSnapshotError(path, meta, offset);
      if (meta.index !== headerZxid) {
        const problem = `meta index ${meta.index}, file header ${headerZxid}`;
        throw new CorruptSnapshotError(path, problem, offset);
      }
      found.meta = meta;
      found.consumer = load(meta, { path, fileBytes });
    },
  };
  await streamSnapshot(path, disk, sink, chunkBytes);
  const { meta, consumer } = found;
  if (meta === null || consumer === null) throw new CorruptSnapshotError(path, 'no meta record');
  consumer.end();
  return meta;
}

/** A loader that keeps a copy of every record of the file it loads last (tests, tools). */
export function recordCollector(): { readonly load: RaftSnapshotLoader; records(): Buffer[] } {
  let kept: Buffer[] = [];
  return {
    load() {
      const records: Buffer[] = [];
      kept = records;
      return { record: (bytes) => records.push(Buffer.from(bytes)), end: () => undefined };
    },
    records: () => kept,
  };
}

/** A whole file's bytes held in memory (an upload), verified as streamRaftSnapshot does. */
export function decodeRaftSnapshot(fileBytes: Buffer, label: string): RaftSnapshotContents {
  return raftContents(decodeSnapshotBytes(fileBytes, label), label);
}

/** The bytes of a Raft snapshot file (meta record first), as writeRaftSnapshot writes it. */
export function encodeRaftSnapshot(meta: SnapshotMeta, records: Iterable<Buffer>): Buffer {
  return encodeSnapshotBytes(meta.index, prepend(meta, records));
}

function raftContents({ zxid, records }: Snapshot, label: string): RaftSnapshotContents {
  const [first, ...rest] = records;
  if (first === undefined) throw new CorruptSnapshotError(label, 'no meta record');
  const meta = decodeSnapshotMeta(first);
  if (typeof meta === 'string') throw new CorruptSnapshotError(label, meta);
  if (meta.index !== zxid) {
    throw new CorruptSnapshotError(label, `meta index ${meta.index}, file header ${zxid}`);
  }
  return { meta, records: rest };
}

/**
 * Streams the newest snapshot that verifies into `load`'s consumer; damaged ones are skipped
 * with a warning (each file tried gets a fresh consumer). Resolves with its meta, or null.
 */
export async function loadNewestRaftSnapshot(
  disk: Disk,
  paths: RaftPaths,
  logger: StorageLogger,
  load: RaftSnapshotLoader,
): Promise<SnapshotMeta | null> {
  for (const file of await listSnapshots(paths.snapshotDirectory, disk)) {
    try {
      return await streamRaftSnapshot(file.path, disk, load);
    } catch (error) {
      if (!(error instanceof CorruptSnapshotError)) throw error;
      logger.warn({ err: error, path: file.path }, 'skipping a damaged Raft snapshot');
    }
  }
  return null;
}

/** Writes `snapshot.<index>` (meta record first) and resolves once it is durable. */
export async function writeRaftSnapshot(
  disk: Disk,
  paths: RaftPaths,
  meta: SnapshotMeta,
  records: AsyncIterable<Buffer> | Iterable<Buffer>,
  logger: StorageLogger,
): Promise<void> {
  const withMeta =
    Symbol.iterator in records ? prepend(meta, records) : prependAsync(meta, records);
  await writeSnapshot(paths.snapshotDirectory, meta.index, withMeta, { disk, logger });
}

function* prepend(meta: SnapshotMeta, records: Iterable<Buffer>): Iterable<Buffer> {
  yield encodeSnapshotMeta(meta);
  yield* records;
}

async function* prependAsync(
  meta: SnapshotMeta,
  records: AsyncIterable<Buffer>,
): AsyncIterable<Buffer> {
  yield encodeSnapshotMeta(meta);
  yield* records;
}

/**
 * Verifies a snapshot file received from the leader, writes it to the staging name, fsyncs
 * it and verifies what is on disk (streamed: no second copy of the file in memory). Rejects
 * with CorruptSnapshotError (nothing staged, or the staged file removed) if it does not
 * verify. The records are views into `fileBytes`.
 */
export async function stageReceivedSnapshot(
  disk: Disk,
  paths: RaftPaths,
  fileBytes: Buffer,
): Promise<RaftSnapshotContents> {
  const path = paths.stagedSnapshotPath;
  if (fileBytes.length > snapshotBytesMax) {
    throw new CorruptSnapshotError(path, `${fileBytes.length} bytes is over snapshotBytesMax`);
  }
  const contents = decodeRaftSnapshot(fileBytes, path);
  let file: DiskFile | null = null;
  try {
    file = await disk.open(path, 'overwrite');
    await file.writeAll(fileBytes, 0);
  } catch (error) {
    await file?.close().catch(() => undefined); // the write error is the one to report
    throw writeFailed(`staging a received snapshot in ${path}`, error);
  }
  try {
    await file.datasync();
  } catch (error) {
    throw fsyncFailed(path, error);
  } finally {
    await file.close();
  }
  try {
    await streamRaftSnapshot(path, disk, () => ({ record: () => undefined, end: () => undefined }));
  } catch (error) {
    await disk.remove(path).catch(() => undefined); // start-up removes it anyway
    throw error;
  }
  return contents;
}

/** Gives the staged snapshot its real name; durable when this resolves. */
export async function adoptStagedSnapshot(
  disk: Disk,
  paths: RaftPaths,
  index: number,
): Promise<void> {
  const target = raftSnapshotPath(paths, index);
  await disk.rename(paths.stagedSnapshotPath, target).catch((error: unknown) => {
    throw writeFailed(`adopting the received snapshot as ${target}`, error);
  });
  await disk.syncDirectory(paths.snapshotDirectory).catch((error: unknown) => {
    throw fsyncFailed(`snapshot directory ${paths.snapshotDirectory}`, error);
  });
}

/** Removes what a crash can leave: half-written snapshots, an unadopted staged one. */
export async function removeSnapshotLeftovers(
  disk: Disk,
  paths: RaftPaths,
  logger: StorageLogger,
): Promise<void> {
  const names = await disk.list(paths.snapshotDirectory);
  const leftovers = names
    .filter((name) => name.startsWith(snapshotPrefix) && name.endsWith(temporarySuffix))
    .map((name) => join(paths.snapshotDirectory, name));
  const staged = paths.stagedSnapshotPath;
  if (names.includes(basename(staged))) leftovers.push(staged);
  for (const path of leftovers) {
    logger.warn({ path }, 'removing a Raft snapshot that a crash left unfinished or unadopted');
    await disk.remove(path).catch((error: unknown) => {
      throw writeFailed(`removing ${path}`, error);
    });
  }
  if (leftovers.length > 0) await disk.syncDirectory(paths.snapshotDirectory);
}

/** Deletes all but the newest `retain` snapshots; returns the removed paths. */
export async function purgeOldSnapshots(
  disk: Disk,
  paths: RaftPaths,
  retain: number,
): Promise<string[]> {
  const doomed = (await listSnapshots(paths.snapshotDirectory, disk)).slice(retain);
  for (const file of doomed.reverse()) {
    await disk.remove(file.path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw writeFailed(`purging ${file.path}`, error);
      }
    });
  }
  return doomed.map((file) => file.path);
}
