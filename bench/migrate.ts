/**
 * Measures `warren migrate --once` from Debian's ZooKeeper 3.8 into Warren: a tree of
 * `--nodes` znodes (default 100 000: 100 parents, 100-byte values, sequential children with
 * a few deleted), copied, verified, timed. Prints the copy rate the command reports and the
 * wall time of the whole run (copy + verify, which reads both trees once more).
 *   node dist/bench/migrate.js [--nodes N] [--concurrency C]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createClient, type ZooKeeperClient } from '../src/client/index.js';
import { startWarren, WARREN_MAIN } from '../test/support/warren-proc.js';
import { startZooKeeper } from '../test/support/zookeeper-ref.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

/** Pipelined creates (the client keeps at most 1000 on the wire). */
async function fill(client: ZooKeeperClient, nodes: number): Promise<void> {
  const parents = 100;
  const perParent = Math.max(1, Math.floor(nodes / parents) - 1);
  const value = Buffer.alloc(100, 7);
  for (let p = 0; p < parents; p++) {
    await client.create(`/bench-${p}`, { data: value });
    const creates: Promise<string>[] = [];
    for (let c = 0; c < perParent; c++) {
      creates.push(client.create(`/bench-${p}/n-`, { data: value, mode: 'persistentSequential' }));
    }
    await Promise.all(creates);
    await client.delete(`/bench-${p}/n-0000000000`);
  }
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

async function main(): Promise<void> {
  const nodes = flag('--nodes', 100_000);
  const concurrency = flag('--concurrency', 64);
  const zk = await startZooKeeper({ extendedTypes: true, heapMb: 2048 });
  const warren = await startWarren({ config: { extendedTypesEnabled: 'true' } });
  try {
    const client = await createClient(`127.0.0.1:${zk.port}`).connect();
    const filled = Date.now();
    await fill(client, nodes);
    const total = await client.getAllChildrenNumber('/');
    await client.close();
    process.stdout.write(`filled ZooKeeper with ${total} znodes in ${Date.now() - filled} ms\n`);
    const started = Date.now();
    const servers = [zk.pid, warren.pid].map(cpuSeconds);
    const args = [WARREN_MAIN, 'migrate', '--once', '--from', `127.0.0.1:${zk.port}`];
    args.push('--to', `127.0.0.1:${warren.port}`, '--concurrency', String(concurrency));
    args.push('--from-data-dir', zk.dataDir, '--log-format', 'pretty');
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    let ownCpu = NaN;
    const sample = setInterval(() => {
      if (child.pid !== undefined) ownCpu = cpuSeconds(child.pid);
    }, 250);
    child.stdout.on('data', (b: Buffer) => {
      output += b.toString();
      process.stdout.write(b);
    });
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    clearInterval(sample);
    const ms = Date.now() - started;
    const [zkCpu, warrenCpu] = [zk.pid, warren.pid].map((pid, i) => cpuSeconds(pid) - servers[i]!);
    process.stdout.write(
      `CPU seconds during the run: migrate ≥ ${ownCpu.toFixed(1)}, ZooKeeper ` +
        `${zkCpu!.toFixed(1)}, Warren ${warrenCpu!.toFixed(1)}\n`,
    );
    const copied = /copied: (\d+) nodes in ([\d.]+) s \((\d+) nodes\/s\)/.exec(output);
    process.stdout.write(
      `exit ${code}; whole run (connect, copy, verify) ${ms} ms = ` +
        `${Math.round((total * 1000) / ms)} nodes/s; copy alone ${copied?.[3] ?? '?'} nodes/s\n`,
    );
  } finally {
    await warren.stop();
    await zk.stop();
  }
}

await main();
