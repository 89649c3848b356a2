// Removes compiled files whose TypeScript source is gone (a deleted or moved test would
// otherwise keep running from dist/ on a machine that built before). Fresh clones have none.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
const compiled = /\.(js|js\.map|d\.ts)$/;

function walk(relative) {
  const dir = join(dist, relative);
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(relative, entry.name);
    if (entry.isDirectory()) {
      walk(path);
      continue;
    }
    if (!compiled.test(entry.name)) continue;
    const source = join(root, path.replace(compiled, '.ts'));
    if (!existsSync(source)) rmSync(join(dist, path));
  }
}

walk('');
