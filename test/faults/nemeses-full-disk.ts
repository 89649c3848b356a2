/**
 * A full disk: one member's data folder sits on its own small tmpfs (EnsembleOptions
 * diskBytes), and a filler file takes every free byte until the restore removes it.
 * docs/ensemble.md: a write that fails before its fsync holds the member's Raft loop and is
 * retried until the disk takes it; the member sends its clients to the others and must not
 * stop, lose or corrupt anything. A member that exited meanwhile is a violation.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Nemesis, NemesisContext, Restore } from './nemesis.js';

const CHUNK = Buffer.alloc(1024 * 1024, 0x5a);

/** Writes `file` until the disk refuses (ENOSPC); returns the bytes written. */
function fill(file: string, bytesMax: number): number {
  const fd = openSync(file, 'w');
  let written = 0;
  try {
    while (written < bytesMax) {
      // A short write means the disk is (nearly) full; the next one fails with ENOSPC.
      written += writeSync(fd, CHUNK);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}

function fullDisk(ctx: NemesisContext): Promise<Restore> {
  const id = ctx.prng.pick(ctx.ensemble.ids);
  const disk = ctx.ensemble.diskFolder(id);
  if (disk === undefined) throw new Error('the ensemble has no per-member disks');
  const filler = join(disk, 'filler');
  const bytes = fill(filler, ctx.ensemble.options.diskBytes ?? 0);
  ctx.fault(`disk of member ${id} full (${Math.round(bytes / 1024 / 1024)} MiB of filler)`);
  return Promise.resolve(() => {
    rmSync(filler, { force: true });
    if (!ctx.ensemble.isRunning(id)) {
      ctx.violation(`member ${id} exited while its disk was full (see its log)`);
    }
    return Promise.resolve();
  });
}

export function fullDiskNemeses(diskBytes: number | undefined): Nemesis[] {
  return diskBytes === undefined ? [] : [{ name: 'disk-full', kind: 'disk', inject: fullDisk }];
}
