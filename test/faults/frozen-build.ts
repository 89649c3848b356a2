/**
 * A copy of the compiled server for one campaign run, so that members restarted mid-run run
 * the code the run started with even when someone rebuilds dist/ meanwhile (members of two
 * builds may apply entries differently and stop on a digest mismatch: not a finding). The
 * copy sits under node_modules/.cache, where the server's imports still resolve to the
 * project's node_modules, and is removed at the end or when the process exits.
 */
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/test/faults → the package root. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface FrozenBuild {
  /** The copy's `warren` entry point (dist/src/cli/main.js). */
  main: string;
  remove(): void;
}

export function freezeBuild(): FrozenBuild {
  const dir = join(ROOT, 'node_modules', '.cache', 'warren-faults', String(process.pid));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
  // build-info.ts reads the version from the package.json three folders up.
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  process.on('exit', remove);
  return { main: join(dir, 'dist', 'src', 'cli', 'main.js'), remove };
}
