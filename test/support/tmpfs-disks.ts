/**
 * Size-capped disks for fault tests: one tmpfs per server, so a test can fill one server's
 * disk (ENOSPC) without touching the machine's. Needs root (mount). The mounts live in their
 * own temp folder and are unmounted by unmountAll() or, at the latest, when the process exits.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const mounted = new Set<string>();
let exitHookInstalled = false;

function unmount(dir: string): void {
  try {
    // Lazy: a server killed a moment ago may still hold a file open.
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  } catch (error) {
    process.stderr.write(`umount ${dir} failed: ${(error as Error).message}\n`);
  }
  mounted.delete(dir);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const dir of [...mounted]) unmount(dir);
  });
}

export class TmpfsDisks {
  private constructor(
    private readonly root: string,
    readonly bytes: number,
  ) {}

  /** Mounts one tmpfs of `bytes` per id. */
  static mount(ids: readonly number[], bytes: number): TmpfsDisks {
    installExitHook();
    const disks = new TmpfsDisks(mkdtempSync(join(tmpdir(), 'warren-disks-')), bytes);
    for (const id of ids) {
      const dir = disks.folder(id);
      mkdirSync(dir);
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], {
        stdio: 'pipe',
      });
      mounted.add(dir);
    }
    return disks;
  }

  /** The mount point of server `id`'s disk. */
  folder(id: number): string {
    return join(this.root, `disk${id}`);
  }

  unmountAll(): void {
    for (const dir of [...mounted]) if (dir.startsWith(this.root)) unmount(dir);
    rmSync(this.root, { recursive: true, force: true });
  }
}
