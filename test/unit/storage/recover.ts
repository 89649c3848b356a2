/**
 * A test harness over the WAL and snapshot files: opens a directory pair the way a store
 * does at start-up (the member's Raft store composes the same pieces in raft-store.ts), so
 * the storage tests drive readLog, openWal and the snapshot reader together.
 * Start-up: rebuild what was durable before the last stop or crash. Loads the newest snapshot
 * that verifies (an older one, with a warning, if the newest is damaged), then the WAL records
 * after it, and opens the WAL to append after the last valid record. A torn tail is cut off;
 * damage that may touch committed records stops start-up with CorruptLogError.
 */
import { join } from 'node:path';
import { nodeDisk, type Disk } from '../../../src/storage/disk.js';
import { CorruptSnapshotError, writeFailed } from '../../../src/storage/errors.js';
import { ensureDirectory, snapshotPrefix, temporarySuffix } from '../../../src/storage/layout.js';

export function snapshotDirectory(dataDir: string): string {
  return join(dataDir, 'snapshots');
}

export function logDirectory(dataLogDir: string): string {
  return join(dataLogDir, 'log');
}
import { walSegmentBytesMaxDefault } from '../../../src/storage/limits.js';
import { readLog } from '../../../src/storage/log-reader.js';
import { defaultStorageLogger, type StorageLogger } from '../../../src/storage/logger.js';
import { listSnapshots, readSnapshot, type Snapshot } from '../../../src/storage/snapshot.js';
import { openWal, type Wal } from '../../../src/storage/wal.js';
import type { LogRecord } from '../../../src/storage/wal-format.js';

export interface StorageOptions {
  dataDir: string;
  /** Where the log goes; a dedicated device keeps fsync latency low. Default: dataDir. */
  dataLogDir?: string;
  disk?: Disk;
  logger?: StorageLogger;
  /** Roll to a new segment after this many bytes. Default walSegmentBytesMaxDefault. */
  segmentBytesMax?: number;
  /** Drop a damaged tail of the log (the operator's --repair-log) instead of refusing. */
  repair?: boolean;
}

export interface Recovered {
  snapshot: Snapshot | null;
  /** Records after the snapshot, in zxid order, each zxid one more than the one before. */
  txns: LogRecord[];
  /** Open and ready for the zxid after the last recovered one. */
  wal: Wal;
}

export async function recover(options: StorageOptions): Promise<Recovered> {
  const disk = options.disk ?? nodeDisk;
  const logger = options.logger ?? defaultStorageLogger();
  const snapshots = snapshotDirectory(options.dataDir);
  const log = logDirectory(options.dataLogDir ?? options.dataDir);
  await ensureDirectory(disk, snapshots);
  await ensureDirectory(disk, log);
  await removeTemporarySnapshots(disk, snapshots, logger);
  const snapshot = await loadNewestSnapshot(disk, snapshots, logger);
  const contents = await readLog(disk, log, snapshot?.zxid ?? 0, logger, {
    repair: options.repair ?? false,
  });
  const wal = await openWal({
    directory: log,
    disk,
    logger,
    segmentBytesMax: options.segmentBytesMax ?? walSegmentBytesMaxDefault,
    nextZxid: contents.lastZxid + 1,
    last: contents.last,
  });
  return { snapshot, txns: contents.txns, wal };
}

/** The newest snapshot that verifies; damaged ones are skipped with a warning. */
async function loadNewestSnapshot(
  disk: Disk,
  directory: string,
  logger: StorageLogger,
): Promise<Snapshot | null> {
  for (const file of await listSnapshots(directory, disk)) {
    try {
      return await readSnapshot(file.path, disk);
    } catch (error) {
      if (!(error instanceof CorruptSnapshotError)) throw error;
      logger.warn({ err: error, path: file.path }, 'skipping a damaged snapshot');
    }
  }
  return null;
}

/** Temporary files are snapshots a crash interrupted; nothing else can be writing now. */
async function removeTemporarySnapshots(
  disk: Disk,
  directory: string,
  logger: StorageLogger,
): Promise<void> {
  const names = await disk.list(directory);
  const leftovers = names.filter(
    (name) => name.startsWith(snapshotPrefix) && name.endsWith(temporarySuffix),
  );
  for (const name of leftovers) {
    const path = join(directory, name);
    logger.warn({ path }, 'removing a snapshot that a crash interrupted');
    await disk.remove(path).catch((error: unknown) => {
      throw writeFailed(`removing ${path}`, error);
    });
  }
  if (leftovers.length > 0) await disk.syncDirectory(directory);
}
