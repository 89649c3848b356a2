/**
 * Memory, snapshot size and restart time at scale, Warren against Apache ZooKeeper 3.8 in one
 * run (issue 12's memory rows): each server, started fresh (ZooKeeper with a 1 GiB heap, as in
 * the issue's table), gets N znodes of 100 bytes under /s through multi batches; then its
 * resident memory right after (2 s) and once settled (45 s: V8 gives back the heap a burst
 * grew about half a minute after it), the size of its newest snapshot on disk, the time from
 * a restart to the first answered request, and its resident memory after the restart.
 * Warren writes a snapshot on request (SIGUSR2) before the restart; ZooKeeper writes one as it
 * starts on a data directory (ZooKeeperServer.loadData takes it).
 * Values: `random` (default: every value different random bytes, which nothing compresses) or
 * `text` (a JSON-like record per node, as services store, which compresses about 3×).
 * `--topology ensemble`: 3 members on loopback each (bench:ensemble's settings, default
 * snapCount on both), filled through the leader; resident memory is summed over the members,
 * the snapshot is the largest member's newest, and the restart is of every member at once
 * after a SIGKILL of all three, to the first answer after they elect a leader.
 * Usage: node dist/bench/memory-compare.js [--nodes 1000000] [--rounds 1]
 *        [--data random|text] [--topology standalone|ensemble] [--out FILE.json]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processMemory } from './proc-stats.js';
import { RawClient } from '../test/support/raw-client.js';
import type { RunningServer } from '../test/support/server-process.js';
import { startWarren } from '../test/support/warren-proc.js';
import { startZooKeeper } from '../test/support/zookeeper-ref.js';
import { BenchEnsemble, type Member } from './ensemble-cluster.js';
import { fillFlat } from './flat-fill.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? (args[at + 1] ?? fallback) : fallback;
};
const nodes = Number(flag('nodes', '1000000'));
const rounds = Number(flag('rounds', '1'));
const out = flag('out', '');
const dataKind = flag('data', 'random');
if (dataKind !== 'random' && dataKind !== 'text') throw new Error('--data is random or text');
const topology = flag('topology', 'standalone');
if (topology !== 'standalone' && topology !== 'ensemble') {
  throw new Error('--topology is standalone or ensemble');
}
const ensembleStartMs = 120_000;
const zooKeeperHeapMb = 1024;
const batch = 1000;
const settleMs = 45_000;

type Contender = 'zookeeper' | 'warren';

interface Figures {
  contender: Contender;
  round: number;
  fillSeconds: number;
  rssMiBFull: number;
  rssMiBSettled: number;
  snapshotMiB: number;
  restartSeconds: number;
  rssMiBAfterRestart: number;
}

/** Resident memory in MiB, from the bench's /proc reader (0 once the process is gone). */
function rssMiB(pid: number): number {
  return processMemory(pid)?.rssMiB ?? 0;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A 100-byte value for node i. */
function valueOf(i: number): Buffer {
  if (dataKind === 'random') return randomBytes(100);
  const text = `{"host":"broker-${i % 977}.dc1.example.com","port":${9000 + (i % 97)},"id":${i}}`;
  return Buffer.from(text.padEnd(100, ' '));
}

const populate = (server: RunningServer): Promise<number> =>
  fillFlat(server, { nodes, valueOf, batch });

/** The newest snapshot file's size under a data directory (ZooKeeper's or Warren's layout). */
function newestSnapshotMiB(dir: string): number {
  let newest = { mtime: 0, size: 0 };
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const full = join(at, name);
      const stat = statSync(full);
      if (stat.isDirectory()) walk(full);
      else if (/^snap/.test(name) && stat.mtimeMs >= newest.mtime) {
        newest = { mtime: stat.mtimeMs, size: stat.size };
      }
    }
  };
  walk(dir);
  return newest.size / 2 ** 20;
}

async function waitForLog(server: RunningServer, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (readFileSync(server.logFile, 'utf8').includes(text)) return;
    await sleep(50);
  }
  throw new Error(`'${text}' did not appear in ${server.logFile}`);
}

/** Seconds from `since` (a performance.now()) to the last znode read back from `server`. */
async function secondsToFirstRead(server: RunningServer, since: number): Promise<number> {
  const client = await RawClient.connect(server.host, server.port, { timeoutMs: 60000 });
  await client.request({ type: 4, path: `/s/n${nodes - 1}`, watch: false });
  const seconds = (performance.now() - since) / 1000;
  client.destroy();
  return seconds;
}

function start(contender: Contender, reuse?: RunningServer): Promise<RunningServer> {
  const again = reuse === undefined ? {} : { dataDir: reuse.dataDir, port: reuse.port };
  return contender === 'zookeeper'
    ? startZooKeeper({ heapMb: zooKeeperHeapMb, keepDataDir: true, ...again })
    : startWarren({ keepDataDir: true, config: { snapCount: '100000000' }, ...again });
}

async function measure(contender: Contender, round: number): Promise<Figures> {
  const first = await start(contender);
  const fillSeconds = await populate(first);
  await sleep(2000);
  const rssMiBFull = rssMiB(first.pid);
  await sleep(settleMs - 2000);
  const rssMiBSettled = rssMiB(first.pid);
  if (contender === 'warren') {
    process.kill(first.pid, 'SIGUSR2');
    await waitForLog(first, 'snapshot written', 300_000);
  }
  await first.stop();
  const restarted = performance.now();
  const second = await start(contender, first);
  const restartSeconds = await secondsToFirstRead(second, restarted);
  await sleep(3000);
  const rssMiBAfterRestart = rssMiB(second.pid);
  const snapshotMiB = newestSnapshotMiB(second.dataDir);
  await second.stop();
  return {
    contender,
    round,
    fillSeconds,
    rssMiBFull,
    rssMiBSettled,
    snapshotMiB,
    restartSeconds,
    rssMiBAfterRestart,
  };
}

/** The members' running processes; every member must be up. */
function running(members: readonly Member[]): RunningServer[] {
  return members.map((m) => {
    if (m.running === null) throw new Error(`member ${m.id} is down`);
    return m.running;
  });
}

const summedRss = (servers: readonly RunningServer[]): number =>
  servers.reduce((sum, server) => sum + rssMiB(server.pid), 0);

async function measureEnsemble(contender: Contender, round: number): Promise<Figures> {
  // A restart replays what the last snapshot lacks: three members at once on two cores.
  const startTimeoutMs = 600_000;
  const settings = {
    ...{ size: 3, tickTime: 2000, initLimit: 10, syncLimit: 5 },
    ...{ zooKeeperHeapMb, startTimeoutMs },
  };
  const ensemble = await BenchEnsemble.start(contender, settings);
  try {
    const leader = await ensemble.waitWhole(ensembleStartMs);
    const fillSeconds = await populate(running([leader])[0] as RunningServer);
    await sleep(2000);
    const rssMiBFull = summedRss(running(ensemble.members));
    await sleep(settleMs - 2000);
    const rssMiBSettled = summedRss(running(ensemble.members));
    if (contender === 'warren') {
      for (const server of running(ensemble.members)) process.kill(server.pid, 'SIGUSR2');
      for (const server of running(ensemble.members)) {
        await waitForLog(server, 'snapshot written', 300_000);
      }
    }
    for (const member of ensemble.members) await ensemble.kill(member);
    const restarted = performance.now();
    await Promise.all(ensemble.members.map((m) => ensemble.startMember(m)));
    const first = running(ensemble.members)[0] as RunningServer;
    const restartSeconds = await secondsToFirstRead(first, restarted);
    await sleep(3000);
    const rssMiBAfterRestart = summedRss(running(ensemble.members));
    const snapshotMiB = Math.max(...ensemble.members.map((m) => newestSnapshotMiB(m.dataDir)));
    return {
      contender,
      round,
      fillSeconds,
      rssMiBFull,
      rssMiBSettled,
      snapshotMiB,
      restartSeconds,
      rssMiBAfterRestart,
    };
  } finally {
    await ensemble.stop();
  }
}

async function main(): Promise<void> {
  const figures: Figures[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const contender of ['zookeeper', 'warren'] as const) {
      const f =
        topology === 'ensemble'
          ? await measureEnsemble(contender, round)
          : await measure(contender, round);
      figures.push(f);
      console.log(JSON.stringify(f));
    }
  }
  const median = (c: Contender, key: keyof Omit<Figures, 'contender' | 'round'>): number => {
    const values = figures.filter((f) => f.contender === c).map((f) => f[key]);
    values.sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)] ?? NaN;
  };
  const rows = [
    'rssMiBFull',
    'rssMiBSettled',
    'rssMiBAfterRestart',
    'snapshotMiB',
    'restartSeconds',
  ] as const;
  console.log(
    `\n${nodes} znodes of 100 B (${dataKind}), ${topology}, medians of ${rounds} round(s)`,
  );
  console.log('| figure | Warren | ZooKeeper | Warren ÷ ZooKeeper |');
  console.log('|---|--:|--:|--:|');
  for (const row of rows) {
    const w = median('warren', row);
    const z = median('zookeeper', row);
    console.log(`| ${row} | ${w.toFixed(1)} | ${z.toFixed(1)} | ${(w / z).toFixed(2)} |`);
  }
  const report = { nodes, dataKind, topology, figures };
  if (out !== '') writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
}

await main();
