/**
 * A member that stops because a committed entry cannot be applied (ApplyError) leaves a note
 * in its data directory naming the entry. A restart replays the same entry from the log, so
 * if the same index fails again the member says that it will fail on every start, and what
 * to do, rather than letting a supervisor restart it in a loop with the same error each time.
 */
import { join } from 'node:path';
import { ApplyError } from '../replication/apply-error.js';
import type { Disk } from '../storage/disk.js';

const markerName = 'apply-failure';

interface Marker {
  index: number;
  message: string;
}

async function readMarker(disk: Disk, dataDir: string): Promise<Marker | null> {
  try {
    const text = (await disk.readFile(join(dataDir, markerName))).toString('utf8');
    const { index, message } = JSON.parse(text) as Partial<Marker>;
    return typeof index === 'number' && typeof message === 'string' ? { index, message } : null;
  } catch {
    return null; // absent or unreadable: nothing to compare with
  }
}

async function writeMarker(disk: Disk, dataDir: string, marker: Marker): Promise<void> {
  const file = await disk.open(join(dataDir, markerName), 'overwrite');
  try {
    await file.writeAll(Buffer.from(JSON.stringify(marker)), 0);
    await file.datasync();
  } finally {
    await file.close();
  }
}

/**
 * What to report for a fatal error: an ApplyError that failed at the same index on the
 * previous start too says so; the marker is (re)written for the next start. Never throws.
 */
export async function noteFatal(disk: Disk, dataDir: string, error: Error): Promise<Error> {
  if (!(error instanceof ApplyError)) return error;
  const previous = await readMarker(disk, dataDir);
  await writeMarker(disk, dataDir, { index: error.index, message: error.message }).catch(
    () => undefined,
  );
  if (previous?.index !== error.index) return error;
  return new Error(
    `${error.message}. The same entry failed on the previous start: it will fail on every ` +
      'start, so do not restart this member in a loop. With peers, move this data directory ' +
      'aside and start it empty to restore it from them (docs/ensemble.md); alone, keep the ' +
      `directory for a bug report (the entry is in the log; ${markerName} names it).`,
    { cause: error },
  );
}
