/**
 * Retention: keeps the newest snapRetainCount snapshots and the log needed to replay from the
 * oldest of them, and deletes the rest, so the data directories do not grow without bound.
 * Safe to run while the WAL appends: the WAL only ever creates newer segments, and the newest
 * segment (the one being appended to) is never deleted. Snapshots still being written have a
 * temporary name and are not seen.
 */
import type { Disk } from './disk.js';
import { nodeDisk } from './disk.js';
import { StorageError, writeFailed } from './errors.js';
import { listFiles, logDirectory, segmentPrefix, snapshotDirectory } from './layout.js';
import { snapRetainCountMin } from './limits.js';
import { listSnapshots } from './snapshot.js';

export interface PurgeOptions {
  dataDir: string;
  dataLogDir?: string;
  /** Snapshots to keep, at least snapRetainCountMin (3). */
  snapRetainCount: number;
  disk?: Disk;
}

export interface PurgeResult {
  removedSnapshots: string[];
  removedSegments: string[];
}

export async function purge(options: PurgeOptions): Promise<PurgeResult> {
  const { snapRetainCount } = options;
  if (!Number.isInteger(snapRetainCount) || snapRetainCount < snapRetainCountMin) {
    throw new StorageError(
      'WARREN_STORAGE_CONFIG',
      `snapRetainCount is ${snapRetainCount}; it must be an integer of at least ` +
        `${snapRetainCountMin}, so a damaged newest snapshot leaves older ones to recover from.`,
    );
  }
  const disk = options.disk ?? nodeDisk;
  const snapshots = await listSnapshots(snapshotDirectory(options.dataDir), disk);
  const oldestRetained = snapshots[Math.min(snapRetainCount, snapshots.length) - 1];
  // Without a snapshot every record is needed for replay.
  if (oldestRetained === undefined) return { removedSnapshots: [], removedSegments: [] };
  const logDir = logDirectory(options.dataLogDir ?? options.dataDir);
  const segments = await listFiles(disk, logDir, segmentPrefix);
  // A segment holds only records <= the snapshot if the next one starts by zxid + 1.
  const obsolete = segments.filter((_, index) => {
    const next = segments[index + 1];
    return next !== undefined && next.zxid <= oldestRetained.zxid + 1;
  });
  const removedSnapshots = snapshots.slice(snapRetainCount).map((file) => file.path);
  const removedSegments = obsolete.map((file) => file.path);
  await removeAll(disk, removedSnapshots.reverse());
  await removeAll(disk, removedSegments);
  return { removedSnapshots, removedSegments };
}

/** Removes files, oldest first; one already gone (a concurrent purge) is fine. */
async function removeAll(disk: Disk, paths: string[]): Promise<void> {
  for (const path of paths) {
    await disk.remove(path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw writeFailed(`purging ${path}`, error);
      }
    });
  }
}
