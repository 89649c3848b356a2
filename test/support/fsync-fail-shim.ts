/**
 * fsync errors for real server processes without device-mapper: fsync-fail-shim.c, an
 * LD_PRELOAD library that fails fsync and fdatasync with EIO while a trigger file exists. It
 * is compiled with the machine's C compiler into node_modules/.cache (once per source
 * version; the file name carries its hash), and `fsyncShimEnv` is the environment that
 * preloads it into one server. No C compiler: `buildFsyncShim` says why, and callers skip.
 * No test-framework imports: the fault campaign uses this too.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/test/support → the package root, where the C source is (tsc does not copy it). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SOURCE = join(ROOT, 'test', 'support', 'fsync-fail-shim.c');
const CACHE = join(ROOT, 'node_modules', '.cache', 'warren-fsync-shim');
const COMPILERS = ['gcc', 'cc'];

/** The compiled library's path, or why there is none. */
export type FsyncShimBuild = { library: string } | { skip: string };

/** The line an injected failure prints on the server's stderr (see the C source). */
const SHIM_FAILURE_LINE = /^warren-fsync-fail-shim: (fsync|fdatasync)\((.*)\) fails/gm;

function compilerOnPath(): string | undefined {
  return COMPILERS.find((cc) => spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0);
}

/** Compiles the shim unless this version is in the cache already. */
export function buildFsyncShim(): FsyncShimBuild {
  if (!existsSync(SOURCE)) return { skip: `${SOURCE} is missing` };
  const hash = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 12);
  const library = join(CACHE, `fsync-fail-shim-${hash}.so`);
  if (existsSync(library)) return { library };
  const cc = compilerOnPath();
  if (cc === undefined) {
    return { skip: `no C compiler (${COMPILERS.join(', ')}) to build the fsync-error shim` };
  }
  mkdirSync(CACHE, { recursive: true });
  // Written aside and renamed: a concurrent run never preloads a half-written library.
  const partial = `${library}.${process.pid}.tmp`;
  const args = ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-Werror', '-o', partial];
  const built = spawnSync(cc, [...args, SOURCE, '-ldl'], { encoding: 'utf8' });
  if (built.status !== 0) {
    rmSync(partial, { force: true });
    return { skip: `${cc} could not build the fsync-error shim: ${built.stderr.trim()}` };
  }
  renameSync(partial, library);
  return { library };
}

/**
 * What a server needs in its environment for the shim: fsync and fdatasync of files under
 * `under` fail while `trigger` exists. An LD_PRELOAD already in `base` (libfaketime) stays.
 */
export function fsyncShimEnv(
  library: string,
  trigger: string,
  under: string,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const preload = base.LD_PRELOAD;
  return {
    ...base,
    LD_PRELOAD: preload === undefined || preload === '' ? library : `${preload}:${library}`,
    WARREN_FSYNC_FAIL_TRIGGER: trigger,
    WARREN_FSYNC_FAIL_UNDER: under,
    // libuv could do fsync through io_uring, past the shim; Node 20 does not, this makes sure.
    UV_USE_IO_URING: '0',
  };
}

/** The paths whose fsync the shim failed, from a server's log text. */
export function shimFailures(logText: string): string[] {
  return [...logText.matchAll(SHIM_FAILURE_LINE)].map((match) => match[2] ?? '');
}
