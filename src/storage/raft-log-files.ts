/**
 * The Raft log's WAL segments: reading them back after the snapshot at start-up, dropping the
 * whole log when a snapshot from the leader replaces it, and purging segments a snapshot made
 * obsolete. Entries are WAL records whose zxid is the Raft index (raft-entry-record.ts).
 */
import type { StoredEntry as Entry, StoredSnapshotMeta as SnapshotMeta } from './raft-types.js';
import type { Disk } from './disk.js';
import { CorruptLogError, fsyncFailed, writeFailed } from './errors.js';
import { listFiles, segmentPrefix } from './layout.js';
import { readLog } from './log-reader.js';
import type { StorageLogger } from './logger.js';
import { openWal, type Wal } from './wal.js';
import { recordToEntry } from './raft-entry-record.js';

export interface RaftLogOpenOptions {
  readonly disk: Disk;
  readonly directory: string;
  readonly logger: StorageLogger;
  readonly segmentBytesMax: number;
  /** Drop damage at the end of the log instead of refusing (--repair-log; log-reader.ts). */
  readonly repair: boolean;
}

export interface OpenedRaftLog {
  /** Entries after the snapshot, in index order. */
  readonly entries: Entry[];
  /** Open to append the entry after the last one (or after the snapshot). */
  readonly wal: Wal;
}

/**
 * Reads the entries after `snapshot` and opens the WAL after them. The entry at the snapshot's
 * own index is read too when the log still holds it: if its term differs, the log after it is
 * from a history the snapshot replaced (a crash came between adopting a snapshot from the
 * leader and dropping the log), so the whole log is dropped, as the adoption would have done;
 * the record itself goes too, or the same check would later drop the valid entries after it.
 */
export async function openRaftLog(
  options: RaftLogOpenOptions,
  snapshot: SnapshotMeta,
): Promise<OpenedRaftLog> {
  const { disk, directory, logger } = options;
  const index = snapshot.index;
  const segments = await listFiles(disk, directory, segmentPrefix);
  const holdsIndex = index > 0 && segments.some((segment) => segment.zxid <= index);
  const after = holdsIndex ? index - 1 : index;
  const contents = await readLog(disk, directory, after, logger, { repair: options.repair });
  const entries = contents.txns.map((record) => recordToEntry(record, directory));
  let last = contents.last;
  if (entries[0]?.index === index && index > 0) {
    const atSnapshot = entries.shift();
    if (atSnapshot !== undefined && atSnapshot.term !== snapshot.term) {
      logger.warn(
        { index, logTerm: atSnapshot.term, snapshotTerm: snapshot.term, dropped: entries.length },
        'the Raft log after the snapshot is from a replaced history; dropping it',
      );
      await dropAllSegments(disk, directory);
      entries.length = 0;
      last = null;
    }
  }
  checkTerms(entries, snapshot, directory);
  const lastIndex = entries[entries.length - 1]?.index ?? index;
  const wal = await openWal({
    directory,
    disk,
    logger,
    segmentBytesMax: options.segmentBytesMax,
    nextZxid: lastIndex + 1,
    last,
  });
  return { entries, wal };
}

/** Terms never go down along a Raft log; a log where they do was not written by Raft. */
function checkTerms(entries: readonly Entry[], snapshot: SnapshotMeta, directory: string): void {
  let term = snapshot.term;
  for (const entry of entries) {
    if (entry.term < term) {
      const problem = `the entry at index ${entry.index} has term ${entry.term}, below ${term}`;
      throw new CorruptLogError(directory, 0, `${problem} before it`);
    }
    term = entry.term;
  }
}

/** Removes every segment, newest first so that a crash midway leaves a prefix of the log. */
export async function dropAllSegments(disk: Disk, directory: string): Promise<void> {
  const segments = await listFiles(disk, directory, segmentPrefix);
  for (const segment of segments.reverse()) {
    await disk.remove(segment.path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw writeFailed(`removing WAL segment ${segment.path}`, error);
    });
  }
  await disk.syncDirectory(directory).catch((error: unknown) => {
    throw fsyncFailed(`WAL directory ${directory}`, error);
  });
}

/**
 * Removes segments holding only entries <= `floor`; never the newest (the WAL appends to it).
 * Returns the removed paths. A removal a crash undoes is harmless: start-up skips old ones.
 */
export async function purgeSegmentsThrough(
  disk: Disk,
  directory: string,
  floor: number,
): Promise<string[]> {
  const segments = await listFiles(disk, directory, segmentPrefix);
  const doomed = segments.filter((_, position) => {
    const next = segments[position + 1];
    return next !== undefined && next.zxid <= floor + 1;
  });
  for (const segment of doomed) {
    await disk.remove(segment.path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw writeFailed(`purging WAL segment ${segment.path}`, error);
    });
  }
  return doomed.map((segment) => segment.path);
}
