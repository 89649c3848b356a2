/**
 * `warren bench` end to end: the compiled CLI runs every workload for under a second against a
 * Warren started here and against Debian's ZooKeeper 3.8 (skipped when absent), and its JSON must
 * hold sane figures (operations, no errors, ordered percentiles, server CPU from --server-pid),
 * and the bench root must be gone afterwards.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createClient } from '../../src/client/index.js';
import type { BenchJson } from '../../src/bench/report.js';
import { startWarren, WARREN_MAIN, type RunningServer } from '../support/warren-proc.js';
import {
  startZooKeeper,
  zooKeeperAvailable,
  ZOOKEEPER_UNAVAILABLE_REASON,
} from '../support/zookeeper-ref.js';

/** Short phases, few sessions: one to two seconds per workload on two busy cores. */
const QUICK = [
  '--duration',
  '0.6',
  '--warmup',
  '0.2',
  '--idle-sessions',
  '100',
  '--watchers',
  '10',
  '--session-timeout',
  '4000',
  '--delete-nodes',
  '2000',
  '--children',
  '100',
  '--workers',
  '1',
];
const BENCH_TIMEOUT_MS = 60_000;

interface BenchOutput {
  code: number | null;
  report: BenchJson;
  stderr: string;
}

function bench(server: RunningServer, args: string[]): Promise<BenchOutput> {
  const all = ['bench', '-s', `${server.host}:${server.port}`, '--server-pid', String(server.pid)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WARREN_MAIN, ...all, '--json', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), BENCH_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        resolve({ code, report: JSON.parse(stdout) as BenchJson, stderr });
      } catch {
        reject(new Error(`no JSON from warren bench (exit ${code}): ${stderr.slice(-2000)}`));
      }
    });
  });
}

function assertSane(out: BenchOutput, workloads: readonly string[]): void {
  const { report } = out;
  assert.equal(report.failure, null, out.stderr.slice(-2000));
  assert.deepEqual(
    report.results.map((r) => r.workload),
    workloads,
  );
  for (const r of report.results) {
    const where = `${r.workload}: ${JSON.stringify(r)}`;
    assert.equal(r.error, null, where);
    assert.ok(r.ops > 0 && r.opsPerSec > 0, where);
    assert.equal(r.errorCount, 0, where);
    const l = r.latencyMs;
    assert.ok(0 <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99, where);
    assert.ok(l.p99 <= l.p999 && l.p999 <= l.max, where);
    assert.ok(r.serverCpuMsPer1k !== null && r.serverCpuMsPer1k >= 0, where);
    if (r.workload === 'watch') assert.ok(r.notifications > 0, where);
  }
  assert.equal(out.code, 0, out.stderr.slice(-2000));
  assert.equal(report.cleanup?.failure, null);
}

async function assertGone(server: RunningServer, root: string): Promise<void> {
  const client = createClient(`${server.host}:${server.port}`);
  try {
    await client.connect();
    assert.equal(await client.exists(root), null, `${root} left behind`);
  } finally {
    await client.close();
  }
}

const ALL = [
  'create',
  'get',
  'set',
  'exists',
  'children',
  'multi',
  'mixed',
  'watch',
  'lock',
  'delete',
  'idle',
];

describe('warren bench against Warren', () => {
  let warren: RunningServer;
  before(async () => {
    warren = await startWarren({
      config: {
        maxClientCnxns: '0',
        'warren.sessionCreateRatePerAddress': '100000',
        'warren.sessionsPerAddressMax': '100000',
      },
    });
  });
  after(() => warren?.stop());

  it('runs every workload with sane figures and removes its root', async () => {
    const out = await bench(warren, QUICK);
    assertSane(out, ALL);
    assert.match(out.stderr, /\[bench\] get: /, 'a progress line on stderr');
    await assertGone(warren, out.report.root);
  });

  it('measures a --count of operations', async () => {
    const out = await bench(warren, [...QUICK, '-w', 'create,delete', '--count', '400']);
    assertSane(out, ['create', 'delete']);
    for (const r of out.report.results)
      assert.ok(r.ops >= 400 && r.ops <= 400 + 8 * 32, `${r.ops}`);
    await assertGone(warren, out.report.root);
  });
});

describe(
  'warren bench against ZooKeeper 3.8',
  { skip: zooKeeperAvailable() ? false : ZOOKEEPER_UNAVAILABLE_REASON },
  () => {
    let zookeeper: RunningServer;
    before(async () => {
      zookeeper = await startZooKeeper();
    });
    after(() => zookeeper?.stop());

    it('runs the workloads with sane figures and removes its root', async () => {
      const workloads = ['create', 'get', 'children', 'watch', 'lock', 'idle'];
      const out = await bench(zookeeper, [...QUICK, '-w', workloads.join(',')]);
      assertSane(out, workloads);
      await assertGone(zookeeper, out.report.root);
    });
  },
);
