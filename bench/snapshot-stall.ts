/**
 * Snapshot stall and memory at scale: fills a standalone server with N znodes (default 1M,
 * 100-byte values) through multi batches, then keeps a steady stream of getData requests
 * going while the server writes a snapshot (triggered with SIGUSR2), and reports the worst
 * request latency during the snapshot against the baseline, the snapshot size per znode, the
 * server's memory, and the restart (recovery) time with N znodes.
 * Values are random bytes (nothing compresses them, so snapshot sizes are not flattered).
 * At 10M znodes (issue 12's scale run) give the phases time: every wait scales with --nodes.
 * Usage: node dist/bench/snapshot-stall.js [--nodes 1000000]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { processMemory } from './proc-stats.js';
import { fillFlat } from './flat-fill.js';
import { RawClient } from '../test/support/raw-client.js';
import { startWarren, type RunningServer } from '../test/support/warren-proc.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? (args[at + 1] ?? fallback) : fallback;
};
const NODES = Number(flag('nodes', '1000000'));
const BATCH = 1000;
/** Time allowed for a snapshot or a restart: a minute per million znodes, at least two. */
const scaledMs = Math.max(120_000, (NODES / 1_000_000) * 60_000);

/** Resident memory in MiB, from the bench's /proc reader (0 once the process is gone). */
function rssMiB(pid: number): number {
  return processMemory(pid)?.rssMiB ?? 0;
}

async function populate(server: RunningServer): Promise<number> {
  const seconds = await fillFlat(server, {
    nodes: NODES,
    valueOf: () => randomBytes(100),
    batch: BATCH,
  });
  return seconds * 1000;
}

/** Sends getData requests, 4 in flight, recording each latency, until stop() is called. */
function probe(client: RawClient) {
  const latencies: { at: number; ms: number }[] = [];
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      const t0 = performance.now();
      await client.request({
        type: 4,
        path: `/s/n${Math.floor(Math.random() * NODES)}`,
        watch: false,
      });
      latencies.push({ at: Date.now(), ms: performance.now() - t0 });
    }
  };
  const loops = [loop(), loop(), loop(), loop()];
  return {
    latencies,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

interface Summary {
  n: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const max = sorted[sorted.length - 1] ?? 0;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), p999: at(0.999), max };
}

async function waitForLog(server: RunningServer, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (readFileSync(server.logFile, 'utf8').includes(text)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`'${text}' did not appear in ${server.logFile}`);
}

async function main(): Promise<void> {
  let server = await startWarren({ keepDataDir: true, config: { snapCount: '100000000' } });
  const { dataDir, port } = server;
  const fillMs = await populate(server);
  const rssFull = rssMiB(server.pid);
  const client = await RawClient.connect(server.host, server.port, { timeoutMs: 30000 });
  const p = probe(client);
  await new Promise((r) => setTimeout(r, 2000));
  const snapStart = Date.now();
  process.kill(server.pid, 'SIGUSR2');
  await waitForLog(server, 'snapshot written', scaledMs);
  const snapEnd = Date.now();
  await new Promise((r) => setTimeout(r, 500));
  await p.stop();
  client.destroy();
  const before = p.latencies.filter((l) => l.at < snapStart).map((l) => l.ms);
  const during = p.latencies.filter((l) => l.at >= snapStart && l.at <= snapEnd).map((l) => l.ms);
  // The newest snapshot (names sort by index; the oldest is the bootstrap one at index 1).
  const snapDir = join(dataDir, 'raft-snapshots');
  const snapFiles = readdirSync(snapDir).filter((f) => /^snapshot\.[0-9a-f]{16}$/.test(f));
  const snapFile = snapFiles.sort().at(-1) ?? '';
  const snapBytes = statSync(join(snapDir, snapFile)).size;
  const rssAfter = rssMiB(server.pid);
  await server.kill('SIGKILL');
  const restartStart = Date.now();
  server = await startWarren({ dataDir, port, keepDataDir: true, readyTimeoutMs: scaledMs });
  const restartMs = Date.now() - restartStart;
  const rssRestarted = rssMiB(server.pid);
  await server.stop();
  const result = {
    nodes: NODES,
    fillSeconds: fillMs / 1000,
    snapshotSeconds: (snapEnd - snapStart) / 1000,
    latencyBeforeMs: summarize(before),
    latencyDuringSnapshotMs: summarize(during),
    snapshotBytesPerZnode: snapBytes / NODES,
    rssMiBFull: rssFull,
    rssMiBAfterSnapshot: rssAfter,
    rssMiBAfterRestart: rssRestarted,
    restartSeconds: restartMs / 1000,
  };
  console.log(JSON.stringify(result, null, 2));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
