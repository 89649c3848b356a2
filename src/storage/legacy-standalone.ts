/**
 * The data directory layout of Warren 0.1.0's standalone server, read once to convert it
 * (member/convert-standalone.ts): snapshots in `<dataDir>/snapshots`, WAL segments in
 * `<dataLogDir>/log`, records keyed by zxid. Reading never changes the files: a torn tail of
 * the last segment (an incomplete write, never acknowledged) is left out, not cut; damage,
 * a complete last record that fails its checksum included (segment-scan.ts), stops the
 * conversion with CorruptLogError. Before converting, the old folders are
 * moved into `warren-0.1.0-standalone/` beside them, where they stay until the operator
 * deletes them.
 */
import { join } from 'node:path';
import type { Disk } from './disk.js';
import { CorruptLogError, CorruptSnapshotError, writeFailed } from './errors.js';
import { listFiles, segmentPrefix } from './layout.js';
import type { StorageLogger } from './logger.js';
import { scanSegment } from './segment-scan.js';
import { listSnapshots, readSnapshot } from './snapshot.js';
import type { LogRecord } from './wal-format.js';

/** Where a converted directory's old files are kept, in dataDir (and dataLogDir). */
export const legacyAsideName = 'warren-0.1.0-standalone';

export interface LegacyPlaces {
  /** `<dataDir>/snapshots` and `<dataLogDir>/log` where 0.1.0 kept them. */
  readonly snapshots: string;
  readonly log: string;
  /** The same folders once moved aside. */
  readonly snapshotsAside: string;
  readonly logAside: string;
}

export function legacyPlaces(dataDir: string, dataLogDir: string): LegacyPlaces {
  return {
    snapshots: join(dataDir, 'snapshots'),
    log: join(dataLogDir, 'log'),
    snapshotsAside: join(dataDir, legacyAsideName, 'snapshots'),
    logAside: join(dataLogDir, legacyAsideName, 'log'),
  };
}

export interface LegacyContents {
  /** The newest snapshot that verifies: its zxid and tree records; null if none. */
  readonly snapshot: { zxid: number; records: Buffer[] } | null;
  /** Log records after it, in zxid order. */
  readonly txns: LogRecord[];
}

/** Whether `directory` exists and holds any file. */
async function holdsFiles(disk: Disk, directory: string): Promise<boolean> {
  try {
    return (await disk.list(directory)).length > 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Whether 0.1.0's standalone folders are where 0.1.0 left them. */
export async function legacyInPlace(disk: Disk, places: LegacyPlaces): Promise<boolean> {
  return (await holdsFiles(disk, places.snapshots)) || (await holdsFiles(disk, places.log));
}

/** Whether a moved-aside copy exists (a conversion began). */
export async function legacyAside(disk: Disk, places: LegacyPlaces): Promise<boolean> {
  return (
    (await holdsFiles(disk, places.snapshotsAside)) || (await holdsFiles(disk, places.logAside))
  );
}

/** Moves the old folders aside (renames are atomic; the parents are fsynced). */
export async function moveLegacyAside(disk: Disk, places: LegacyPlaces): Promise<void> {
  const moves: [string, string][] = [
    [places.snapshots, places.snapshotsAside],
    [places.log, places.logAside],
  ];
  for (const [from, to] of moves) {
    if (!(await holdsFiles(disk, from))) continue;
    const parent = join(to, '..');
    await disk.makeDirectory(parent);
    await disk.rename(from, to).catch((error: unknown) => {
      throw writeFailed(`moving ${from} to ${to}`, error);
    });
    await disk.syncDirectory(join(from, '..'));
    await disk.syncDirectory(parent);
  }
}

/** Reads the moved-aside copy: newest verifying snapshot, then the log after it. */
export async function readLegacyAside(
  disk: Disk,
  places: LegacyPlaces,
  logger: StorageLogger,
): Promise<LegacyContents> {
  let snapshot: LegacyContents['snapshot'] = null;
  for (const file of await listSnapshots(places.snapshotsAside, disk)) {
    try {
      snapshot = await readSnapshot(file.path, disk);
      break;
    } catch (error) {
      if (!(error instanceof CorruptSnapshotError)) throw error;
      logger.warn({ err: error, path: file.path }, 'skipping a damaged 0.1.0 snapshot');
    }
  }
  const txns = await readLogRecords(disk, places.logAside, snapshot?.zxid ?? 0, logger);
  return { snapshot, txns };
}

async function readLogRecords(
  disk: Disk,
  directory: string,
  after: number,
  logger: StorageLogger,
): Promise<LogRecord[]> {
  const segments = await listFiles(disk, directory, segmentPrefix);
  const txns: LogRecord[] = [];
  let expected: number | null = null;
  for (const segment of segments) {
    const last = segment === segments[segments.length - 1];
    if (expected !== null && segment.zxid !== expected) {
      const problem = `it starts at zxid ${segment.zxid}, but the log before ends at`;
      throw new CorruptLogError(segment.path, 0, `${problem} ${expected - 1}`);
    }
    const bytes = await disk.readFile(segment.path);
    const scan = scanSegment(bytes, {
      file: segment.path,
      firstZxid: segment.zxid,
      isLast: last,
      // The 0.1.0 files are only read, to convert them: damage is never dropped here.
      repair: false,
      repairOffered: false,
    });
    for (const record of scan.records) {
      if (record.zxid > after)
        txns.push({ zxid: record.zxid, payload: Buffer.from(record.payload) });
    }
    expected = segment.zxid + scan.records.length;
    if (scan.tail !== null) {
      const { droppedBytes, problem } = scan.tail;
      const fields = { path: segment.path, offset: scan.validBytes, droppedBytes, problem };
      logger.warn(fields, 'leaving out a torn tail of the 0.1.0 log (an incomplete write)');
    }
  }
  const first = txns[0];
  if (first !== undefined && first.zxid !== after + 1) {
    throw new CorruptLogError(
      directory,
      0,
      `the log resumes at zxid ${first.zxid}, after ${after}`,
    );
  }
  return txns;
}
