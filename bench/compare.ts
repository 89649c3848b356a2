/**
 * `npm run bench:compare`: Warren against Debian's Apache ZooKeeper 3.8 with `warren bench`,
 * standalone and as 3-member ensembles on loopback (compare-servers.ts: equal settings, fsync
 * on, -Xmx2g per JVM). Servers start fresh for every run and alternate (W, Z, then Z, W, ...)
 * over REPEAT repetitions, never running together. Writes into
 * bench/results/compare-<date>/: runs.json (every warren bench document), results.md (medians
 * and Warren ÷ ZooKeeper ratios: throughput, server CPU per op, p99), a PNG (and SVG) chart per
 * topology, and with ZKBENCH=1 (the default) zkbench's cross-check of the headline workloads.
 * Environment: REPEAT (2), DURATION (4 s), WARMUP (2 s), WORKLOADS (all), TOPOLOGY
 * (standalone,ensemble), IDLE_SESSIONS (1000), ZKBENCH (1), OUT (the folder).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchJson } from '../src/bench/report.js';
import { ratioChartSvg, writePng } from './compare-chart.js';
import { ratioRows, ratioTable, type CompareRun } from './compare-report.js';
import { startContender, TOPOLOGIES, type Contender, type Topology } from './compare-servers.js';
import { crossCheck } from './compare-zkbench.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const WARREN_MAIN = join(REPO, 'dist', 'src', 'cli', 'main.js');
const HEADLINE = ['create', 'get', 'mixed'];

function env(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

function say(text: string): void {
  process.stderr.write(`[compare] ${text}\n`);
}

/** Runs `warren bench --json` and parses its document (also when it exits 1 on errors). */
function warrenBench(servers: string, pids: number[], args: string[]): Promise<BenchJson> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        WARREN_MAIN,
        'bench',
        '--servers',
        servers,
        '--server-pid',
        pids.join(','),
        '--json',
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out) as BenchJson);
      } catch {
        reject(new Error(`warren bench exited ${code} without a JSON document`));
      }
    });
  });
}

function packageVersion(name: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', name], { encoding: 'utf8' });
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const repeat = Number(env('REPEAT', '2'));
  const topologies = env('TOPOLOGY', TOPOLOGIES.join(',')).split(',') as Topology[];
  const args = [
    '--duration',
    env('DURATION', '4'),
    '--warmup',
    env('WARMUP', '2'),
    '--workloads',
    env('WORKLOADS', 'all'),
    '--idle-sessions',
    env('IDLE_SESSIONS', '1000'),
    '--session-timeout',
    '6000',
  ];
  const date = new Date().toISOString().slice(0, 10);
  const out = env('OUT', join(REPO, 'bench', 'results', `compare-${date}`));
  mkdirSync(out, { recursive: true });
  const loadBefore = loadavg();
  const runs: CompareRun[] = [];
  for (const topology of topologies) {
    for (let repetition = 1; repetition <= repeat; repetition++) {
      const order: Contender[] =
        repetition % 2 === 1 ? ['warren', 'zookeeper'] : ['zookeeper', 'warren'];
      for (const server of order) {
        say(`${topology} ${server} #${repetition}: starting`);
        const started = await startContender(server, topology);
        try {
          say(`${server}: ${started.servers}, pid(s) ${started.pids.join(',')}`);
          const report = await warrenBench(started.servers, started.pids, args);
          runs.push({ topology, server, repetition, report });
        } catch (error) {
          say(`${server} #${repetition} failed: ${String(error)}`);
        } finally {
          await started.stop();
        }
        writeFileSync(join(out, 'runs.json'), `${JSON.stringify(runs, null, 1)}\n`);
      }
    }
  }
  const loadAfter = loadavg();
  const rows = ratioRows(runs);
  const charts: string[] = [];
  for (const topology of topologies) {
    const svg = ratioChartSvg(
      `Warren ÷ ZooKeeper 3.8, ${topology} (medians of ${repeat})`,
      rows.filter((r) => r.topology === topology),
    );
    writeFileSync(join(out, `ratios-${topology}.svg`), svg);
    const png = await writePng(svg, join(out, `ratios-${topology}.png`)).catch((error: unknown) => {
      say(`PNG not written: ${String(error)}`);
      return false;
    });
    charts.push(
      png
        ? `![${topology}](ratios-${topology}.png)`
        : `[${topology} (SVG)](ratios-${topology}.svg)`,
    );
  }
  const plan = { ops: HEADLINE, durationS: env('DURATION', '4'), warmupS: env('WARMUP', '2') };
  const zkbench = env('ZKBENCH', '1') === '1' ? await crossCheck(REPO, out, plan, say) : null;
  const md = [
    `# Warren ÷ Apache ZooKeeper 3.8 with \`warren bench\`, ${date}`,
    '',
    `Servers one at a time, fresh for every run, alternating (W, Z; Z, W; ...), ${repeat} runs ` +
      `each; ZooKeeper ${packageVersion('zookeeper')} (Debian) with -Xmx2g per JVM, forceSync=yes, ` +
      'maxClientCnxns=0; Warren with its defaults (fsync on), maxClientCnxns=0 and no ' +
      'per-address session limits; ensembles: 3 members on loopback, tickTime=2000, ' +
      'initLimit=10, syncLimit=5. Load: `warren bench ' +
      args.join(' ') +
      '` (8 sessions x 32 in ' +
      'flight, 100-byte values, 1000 keys); the server CPU per op is summed over the members.',
    '',
    `Machine: ${cpus().length} cores, shared with other engineers' builds and tests: load ` +
      `average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} at the start, ` +
      `${loadAfter.map((l) => l.toFixed(1)).join(' ')} at the end. Figures are as measured on ` +
      'a busy machine; server CPU per op is the least disturbed figure.',
    '',
    'Ratios are Warren ÷ ZooKeeper of the medians: throughput above 1 and CPU per op and p99 ' +
      'below 1 favour Warren.',
    '',
    ratioTable(rows),
    '',
    ...charts,
    '',
    ...(zkbench === null ? [] : ['## Cross-check with zkbench (C client)', '', zkbench, '']),
    'Files: `runs.json` (every `warren bench --json` document), `ratios-*.png` / `.svg`' +
      (zkbench === null ? '.' : ', `zkbench.jsonl` and `zkbench.txt` (the cross-check).'),
    '',
  ];
  writeFileSync(join(out, 'results.md'), md.join('\n'));
  say(`wrote ${join(out, 'results.md')}`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `compare: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
