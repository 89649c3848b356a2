/**
 * Raft snapshot files: a storage/snapshot.ts file named by the Raft index whose first record
 * is the meta record (raft-snapshot-meta.ts) and whose other records are the state machine's.
 * A snapshot received from the leader is first staged under a name no listing sees, verified,
 * and only then renamed to `snapshot.<index>`; a staged one a crash left is removed at start.
 */
import { crc32c } from '@node-rs/crc32';
import { basename, join } from 'node:path';
import type { StoredSnapshotMeta as SnapshotMeta } from './raft-types.js';
import type { Disk, DiskFile } from './disk.js';
import { CorruptSnapshotError, fsyncFailed, writeFailed } from './errors.js';
import { snapshotPrefix, temporarySuffix, zxidToHex } from './layout.js';
import { snapshotBytesMax } from './limits.js';
import type { StorageLogger } from './logger.js';
import {
  decodeSnapshotBytes,
  encodeSnapshotBytes,
  listSnapshots,
  readSnapshot,
  writeSnapshot,
  type Snapshot,
} from './snapshot.js';
import { decodeSnapshotMeta, encodeSnapshotMeta } from './raft-snapshot-meta.js';
import type { RaftPaths } from './raft-layout.js';

export interface RaftSnapshotContents {
  readonly meta: SnapshotMeta;
  /** The state machine's records (the meta record stripped). */
  readonly records: Buffer[];
}

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

/** Reads and verifies a whole file; CorruptSnapshotError if the file or its meta is bad. */
export async function readRaftSnapshot(path: string, disk: Disk): Promise<RaftSnapshotContents> {
  return raftContents(await readSnapshot(path, disk), path);
}

/** A whole file's bytes held in memory (an upload), verified as readRaftSnapshot does. */
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

/** The newest snapshot that verifies; damaged ones are skipped with a warning. */
export async function loadNewestRaftSnapshot(
  disk: Disk,
  paths: RaftPaths,
  logger: StorageLogger,
): Promise<RaftSnapshotContents | null> {
  for (const file of await listSnapshots(paths.snapshotDirectory, disk)) {
    try {
      return await readRaftSnapshot(file.path, disk);
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
 * Writes a snapshot file received from the leader to the staging name, fsyncs and verifies
 * it. Rejects with CorruptSnapshotError (the staged file removed) if it does not verify.
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
    return await readRaftSnapshot(path, disk);
  } catch (error) {
    await disk.remove(path).catch(() => undefined); // start-up removes it anyway
    throw error;
  }
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
