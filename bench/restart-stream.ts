/**
 * Restart time and peak memory while a server recovers a big snapshot (issue 12), for builds
 * side by side: one server (this build) fills a data directory with N znodes of 100 random
 * bytes under /s, writes a snapshot (SIGUSR2) and stops; then each build named by --main
 * restarts on that same directory in turn, `--rounds` times, alternating. A restart is timed
 * from the spawn to the first answered request (getData of the last znode); its peak resident
 * memory is the process's VmHWM read right after that answer (the high-water mark of the whole
 * recovery), and the RSS sampled every 20 ms meanwhile is kept as a cross-check.
 * Every build must read the snapshot format this build writes. With --cold, the data
 * directory's files are dropped from the page cache before each restart (`dd iflag=nocache`,
 * Linux), as after a reboot; otherwise they are read from memory.
 * Usage: node dist/bench/restart-stream.js --main BUILD/dist/src/cli/main.js [--main ...]
 *        [--nodes 1000000] [--rounds 2] [--cold] [--data-dir DIR (reuse a filled one)]
 *        [--out FILE.json]
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processCpuMs, processMemory } from './proc-stats.js';
import { fillFlat } from './flat-fill.js';
import { freePort, LOOPBACK_HOST } from '../test/support/ports.js';
import { RawClient } from '../test/support/raw-client.js';
import {
  makeOwnedDir,
  sleep,
  spawnServer,
  stopServer,
  type RunningServer,
} from '../test/support/server-process.js';
import { startWarren } from '../test/support/warren-proc.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? (args[at + 1] ?? fallback) : fallback;
};
const mains = args.flatMap((arg, i) => (arg === '--main' ? [args[i + 1] ?? ''] : []));
const nodes = Number(flag('nodes', '1000000'));
const rounds = Number(flag('rounds', '2'));
const reuseDir = flag('data-dir', '');
const out = flag('out', '');
const cold = args.includes('--cold');
if (mains.length === 0 || mains.includes('')) throw new Error('give --main PATH at least once');
const batch = 1000;
/** Multi requests in flight while filling; bounds the client's memory. */
const inFlightMax = 16;
const sampleEveryMs = 20;
/** A restart that takes longer than this is a failure: a minute per million znodes. */
const restartTimeoutMs = Math.max(120_000, (nodes / 1_000_000) * 60_000);
const config = 'snapCount=100000000\n';

interface Restart {
  main: string;
  round: number;
  restartSeconds: number;
  /** CPU time (user + system) the server used up to the answer: steadier than wall time. */
  cpuSeconds: number;
  cold: boolean;
  peakRssMiB: number;
  sampledPeakRssMiB: number;
  rssMiBAtAnswer: number;
}

async function fill(server: RunningServer): Promise<void> {
  await fillFlat(server, { nodes, valueOf: () => randomBytes(100), batch, inFlightMax });
}

async function waitForLog(logFile: string, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (readFileSync(logFile, 'utf8').includes(text)) return;
    await sleep(100);
  }
  throw new Error(`'${text}' did not appear in ${logFile}`);
}

/** A data directory holding N znodes and a snapshot of them. */
async function filledDirectory(): Promise<string> {
  if (reuseDir !== '') return reuseDir;
  const server = await startWarren({ keepDataDir: true, config: { snapCount: '100000000' } });
  const started = performance.now();
  await fill(server);
  console.log(`filled ${nodes} znodes in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  process.kill(server.pid, 'SIGUSR2');
  await waitForLog(server.logFile, 'snapshot written', restartTimeoutMs);
  await server.kill('SIGTERM');
  return server.dataDir;
}

function snapshotMiB(dataDir: string): number {
  let newest = { name: '', size: 0 };
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const full = join(at, name);
      const stat = statSync(full);
      if (stat.isDirectory()) walk(full);
      else if (name.startsWith('snapshot.') && name > newest.name)
        newest = { name, size: stat.size };
    }
  };
  walk(dataDir);
  return newest.size / 2 ** 20;
}

/** Drops every file under `dir` from the page cache (what a reboot does to it). */
function dropFromPageCache(dir: string): void {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      dropFromPageCache(full);
      continue;
    }
    const dd = spawnSync('dd', [`if=${full}`, 'iflag=nocache', 'count=0', 'status=none']);
    if (dd.status !== 0) throw new Error(`dd could not drop ${full}: ${String(dd.stderr)}`);
  }
}

/** Connects and asks, again and again, until the restarted server answers. */
async function firstAnswer(port: number, deadline: number): Promise<void> {
  for (;;) {
    if (Date.now() > deadline) throw new Error('the restarted server never answered');
    try {
      const client = await RawClient.connect(LOOPBACK_HOST, port, {
        timeoutMs: 30000,
        connectTimeoutMs: 1000,
      });
      try {
        await client.request({ type: 4, path: `/s/n${nodes - 1}`, watch: false });
        return;
      } finally {
        client.destroy();
      }
    } catch {
      await sleep(sampleEveryMs); // not listening yet: recovery is still running
    }
  }
}

async function restart(main: string, round: number, dataDir: string): Promise<Restart> {
  const home = makeOwnedDir('warren-restart-');
  const configFile = join(home, 'zoo.cfg');
  writeFileSync(configFile, config);
  const port = await freePort();
  if (cold) dropFromPageCache(dataDir);
  const serverArgs = [main, 'server', '--port', String(port), '--data-dir', dataDir];
  serverArgs.push('--host', LOOPBACK_HOST, '--config', configFile);
  const started = performance.now();
  const proc = spawnServer(process.execPath, serverArgs, { logFile: join(home, 'warren.log') });
  let sampledPeak = 0;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, processMemory(proc.pid)?.rssMiB ?? 0);
  }, sampleEveryMs);
  try {
    await firstAnswer(port, Date.now() + restartTimeoutMs);
    const restartSeconds = (performance.now() - started) / 1000;
    const memory = processMemory(proc.pid);
    const cpuMs = processCpuMs(proc.pid);
    if (memory === null || cpuMs === null) throw new Error(`no /proc figures for ${proc.pid}`);
    return {
      main,
      round,
      restartSeconds,
      cpuSeconds: cpuMs / 1000,
      cold,
      peakRssMiB: memory.peakRssMiB,
      sampledPeakRssMiB: Math.max(sampledPeak, memory.rssMiB),
      rssMiBAtAnswer: memory.rssMiB,
    };
  } finally {
    clearInterval(sampler);
    await stopServer(proc);
  }
}

async function main(): Promise<void> {
  const dataDir = await filledDirectory();
  const fileMiB = snapshotMiB(dataDir);
  console.log(`data directory ${dataDir}: newest snapshot ${fileMiB.toFixed(1)} MiB`);
  const figures: Restart[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const build of mains) {
      const f = await restart(build, round, dataDir);
      figures.push(f);
      console.log(JSON.stringify(f));
    }
  }
  type Figure = 'restartSeconds' | 'cpuSeconds' | 'peakRssMiB';
  const median = (build: string, key: Figure): number => {
    const values = figures.filter((f) => f.main === build).map((f) => f[key]);
    values.sort((a, b) => a - b);
    const middle = values.length >> 1;
    const low = values[middle - 1] ?? NaN;
    const high = values[middle] ?? NaN;
    return values.length % 2 === 0 ? (low + high) / 2 : high;
  };
  const cache = cold ? 'dropped from the page cache' : 'in the page cache';
  console.log(`\n${nodes} znodes of 100 B, snapshot ${fileMiB.toFixed(1)} MiB (${cache})`);
  console.log(`${rounds} rounds`);
  console.log('| build | restart s | server CPU s | peak RSS MiB |  (medians)');
  console.log('|---|--:|--:|--:|');
  for (const build of mains) {
    const seconds = median(build, 'restartSeconds').toFixed(2);
    const cpu = median(build, 'cpuSeconds').toFixed(2);
    console.log(`| ${build} | ${seconds} | ${cpu} | ${median(build, 'peakRssMiB').toFixed(0)} |`);
  }
  if (out !== '') {
    writeFileSync(out, `${JSON.stringify({ nodes, snapshotMiB: fileMiB, figures }, null, 2)}\n`);
  }
}

await main();
