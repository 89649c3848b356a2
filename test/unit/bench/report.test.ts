/** `warren bench`'s table and JSON, from a made-up run. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadResult } from '../../../src/bench/load-generator.js';
import { parseBenchArgs } from '../../../src/bench/options.js';
import { benchJson, formatTable, jsonText, runFailed } from '../../../src/bench/report.js';
import type { BenchRun } from '../../../src/bench/run-bench.js';

function result(op: string, overrides: Partial<LoadResult> = {}): LoadResult {
  return {
    op,
    replies: 20_000,
    windowMs: 2_000,
    opsPerSec: 10_000,
    errorCount: 0,
    errors: {},
    byOpcode: {},
    latencyMs: { p50: 1, p90: 2, p99: 3, p999: 4, mean: 1.2, max: 5 },
    serverCpuMs: 1_000,
    serverCpuMsPer1k: 50,
    generatorCpuMs: 500,
    generatorCpuMsPer1k: 25,
    machineBusy: 0.8,
    otherCores: 0.1,
    cores: 2,
    memory: null,
    uncleanCloses: 0,
    notifications: 0,
    created: {},
    ...overrides,
  };
}

const opts = parseBenchArgs([
  '-s',
  '127.0.0.1:2181',
  '-w',
  'get,watch,idle,lock',
  '--duration',
  '2',
]);

function run(): BenchRun {
  return {
    root: '/warren-bench-abc',
    startedAt: '2026-12-07T00:00:00.000Z',
    setupMs: 12,
    rows: [
      { workload: 'get', sessions: 8, result: result('get'), error: null },
      {
        workload: 'watch',
        sessions: 8,
        result: result('watch', {
          notifications: 40_000,
          errorCount: 2,
          errors: { 'noNode(-101)': 2 },
        }),
        error: null,
      },
      { workload: 'idle', sessions: 1000, result: result('idle'), error: null },
      { workload: 'lock', sessions: 8, result: null, error: 'connection refused' },
    ],
    cleanup: { deleted: 1003, ms: 40, failure: null },
    failure: null,
  };
}

describe('warren bench report', () => {
  it('prints a row per workload with its percentiles, errors by code and notes', () => {
    const text = formatTable(opts, run());
    const lines = text.split('\n');
    const header = lines.find((l) => l.startsWith('workload'));
    assert.ok(header?.includes('p99.9 ms') && header.includes('srv CPU ms/1k'));
    const get = lines.find((l) => l.startsWith('get '));
    assert.match(
      get ?? '',
      /10,000\s+1\.00\s+2\.00\s+3\.00\s+4\.00\s+5\.0\s+0\s+50\.0\s+0\.50\s+0\.25/,
    );
    assert.ok(lines.some((l) => l.startsWith('lock') && l.includes('failed: connection refused')));
    assert.ok(text.includes('watch: errors noNode(-101) x2'));
    assert.ok(text.includes('watch: 20,000 notifications/s (2.0 per write)'));
    assert.ok(text.includes('idle: 1000 sessions (pings only): server 500.00, client 250.00'));
    assert.ok(text.includes('cleanup: 1003 znodes deleted under /warren-bench-abc'));
  });

  it('puts every figure in the JSON, NaN as null', () => {
    const r = run();
    const doc = JSON.parse(jsonText(benchJson(opts, r))) as ReturnType<typeof benchJson>;
    assert.equal(doc.bench, 'warren bench');
    assert.deepEqual(doc.servers, ['127.0.0.1:2181']);
    assert.equal(doc.results.length, 4);
    const get = doc.results[0]!;
    assert.equal(get.ops, 20_000);
    assert.equal(get.opsPerSec, 10_000);
    assert.deepEqual(get.latencyMs, { p50: 1, p90: 2, p99: 3, p999: 4, mean: 1.2, max: 5 });
    assert.equal(get.serverCores, 0.5);
    assert.equal(get.clientCores, 0.25);
    assert.equal(doc.results[1]!.notificationsPerSec, 20_000);
    const lock = doc.results[3]!;
    assert.equal(lock.error, 'connection refused');
    assert.equal(lock.latencyMs.p99, null);
    assert.equal(doc.cleanup?.deleted, 1003);
    assert.equal(doc.config['durationMs'], 2000);
  });

  it('fails the run on a failed workload, an error reply or a failed cleanup', () => {
    assert.equal(runFailed(run()), true);
    const clean = run();
    clean.rows = clean.rows.slice(0, 1);
    assert.equal(runFailed(clean), false);
    clean.failure = 'cleanup: /warren-bench-abc is still there';
    assert.equal(runFailed(clean), true);
  });
});
