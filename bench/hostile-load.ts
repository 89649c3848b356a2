/**
 * Hostile load (issue 10): resident memory and event-loop delay p99.9 of Warren under 10k
 * sessions, 1M watches, a parent with 1M children, a 1 MB znode read by clients that never
 * read, and a reconnect storm after a leader change — each with warren.memoryBytesMax set —
 * and whether another client kept being served with nothing lost. Options: hostile-options.ts.
 * Writes <out>.json and <out>.md when --out is given.
 */
import { writeFileSync } from 'node:fs';
import type { LoadFigures } from './hostile-measure.js';
import { LOADS, parseOptions } from './hostile-options.js';
import { renderMarkdown } from './hostile-report.js';
import { bigReadersLoad, childrenLoad, sessionsLoad, watchesLoad } from './hostile-scenarios.js';
import type { HostOptions } from './hostile-server-config.js';
import { stormLoad } from './hostile-storm.js';

const RUNNERS: Record<(typeof LOADS)[number], (o: HostOptions) => Promise<LoadFigures>> = {
  sessions: sessionsLoad,
  watches: watchesLoad,
  children: childrenLoad,
  'big-readers': bigReadersLoad,
  storm: stormLoad,
};

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const results: LoadFigures[] = [];
  for (const load of LOADS) {
    if (options.only.has(load)) results.push(await RUNNERS[load](options));
  }
  const run = {
    date: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    memoryBoundMiB: options.memoryMiB,
    clientStallMs: options.clientStallMs,
    options: { ...options, only: [...options.only] },
    results,
  };
  if (options.out !== '') {
    writeFileSync(`${options.out}.json`, JSON.stringify(run, null, 2) + '\n');
    writeFileSync(`${options.out}.md`, renderMarkdown(run));
  }
  process.stdout.write(renderMarkdown(run));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
