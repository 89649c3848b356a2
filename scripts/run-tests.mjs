// Runs the compiled test suites with node:test. Usage: run-tests.mjs [suite ...]
// Suites are folders under dist/test (unit, diff, interop, ...); default: all of them.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', 'dist', 'test');
const wanted = process.argv.slice(2);
const suites =
  wanted.length > 0
    ? wanted
    : [
        'unit',
        'sim',
        'server',
        'client',
        'testing',
        'recipes',
        'shell',
        'examples',
        'diff',
        'interop',
        'crash',
        'ensemble',
        'fuzz',
        'netns',
      ];

function collect(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out = out.concat(collect(full));
    else if (name.endsWith('.test.js')) out.push(full);
  }
  return out;
}

const files = suites.flatMap((s) => {
  try {
    return collect(join(root, s));
  } catch {
    return [];
  }
});
if (files.length === 0) {
  console.error('no test files found for suites: ' + suites.join(', '));
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
