/**
 * Output of the ensemble benchmark: a load table (one row per op: Warren and ZooKeeper
 * throughput, their ratio, p99 of each, server CPU per 1000 ops summed over the three
 * members, and its ratio), a failover table (median stall and recovery, their ratios, every
 * try), and the JSON document with every figure. With several repetitions the tables show
 * medians over the repetitions; the JSON keeps each one.
 */
import type { EnsembleBenchOptions } from './ensemble-options.js';
import type { FailoverTry } from './failover.js';
import type { LoadResult } from '../src/bench/load-generator.js';
import type { ServerName } from './servers.js';
import type { BenchOp } from '../src/bench/workload.js';

export interface LoadRow {
  server: ServerName;
  repetition: number;
  op: BenchOp;
  result: LoadResult | null;
  error: string | null;
}

export interface FailoverRow {
  server: ServerName;
  repetition: number;
  attempt: number;
  result: FailoverTry | null;
  error: string | null;
}

export function median(values: readonly number[]): number | null {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b <= 0 ? null : a / b;
}

function fixed(value: number | null, digits: number): string {
  return value === null || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

function times(value: number | null): string {
  return value === null ? '-' : `${value.toFixed(2)}x`;
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 8) : c.padStart(widths[i] ?? 8)))
    .join(' ');
}

interface OpFigures {
  opsPerSec: number | null;
  p99: number | null;
  cpuPer1k: number | null;
  errors: number;
  failed: number;
}

function opFigures(rows: readonly LoadRow[], server: ServerName, op: BenchOp): OpFigures {
  const mine = rows.filter((r) => r.server === server && r.op === op);
  const results = mine.flatMap((r) => (r.result === null ? [] : [r.result]));
  return {
    opsPerSec: median(results.map((r) => r.opsPerSec)),
    p99: median(results.map((r) => r.latencyMs.p99)),
    cpuPer1k: median(results.map((r) => r.serverCpuMsPer1k ?? NaN)),
    errors: results.reduce((n, r) => n + r.errorCount, 0),
    failed: mine.length - results.length,
  };
}

/** More outside CPU than this during a window earns a warning, as in the standalone bench. */
const OTHER_CORES_WARN = 0.25;

const LOAD_WIDTHS = [8, 10, 10, 7, 9, 9, 10, 10, 8, 12];

function loadTable(opts: EnsembleBenchOptions, rows: readonly LoadRow[]): string[] {
  const out = [
    `== load: 3-server ensembles, ${opts.sessions} sessions x ${opts.inflight} in flight ` +
      `spread over the members, ${opts.valueBytes}-byte values, ${opts.durationMs / 1000} s ` +
      `after ${opts.warmupMs / 1000} s warm-up ==`,
    row(
      ['op', 'W ops/s', 'ZK ops/s', 'W/ZK', 'W p99 ms', 'ZK p99 ms'].concat([
        'W CPU/1k',
        'ZK CPU/1k',
        'CPU W/ZK',
        'errors W/ZK',
      ]),
      LOAD_WIDTHS,
    ),
  ];
  for (const op of opts.ops.filter((o, i, all) => all.indexOf(o) === i)) {
    const w = opFigures(rows, 'warren', op);
    const z = opFigures(rows, 'zookeeper', op);
    const count = (f: OpFigures): string => (f.failed > 0 ? `${f.errors}+F` : String(f.errors));
    out.push(
      row(
        [
          op,
          fixed(w.opsPerSec, 0),
          fixed(z.opsPerSec, 0),
          times(ratio(w.opsPerSec, z.opsPerSec)),
          fixed(w.p99, 2),
          fixed(z.p99, 2),
          fixed(w.cpuPer1k, 1),
          fixed(z.cpuPer1k, 1),
          times(ratio(w.cpuPer1k, z.cpuPer1k)),
          `${count(w)}/${count(z)}`,
        ],
        LOAD_WIDTHS,
      ),
    );
  }
  out.push(
    'CPU/1k: CPU-ms of the three server processes together per 1000 ops (/proc/<pid>/stat). ' +
      'F: a phase failed.',
  );
  const worst = Math.max(0, ...rows.map((r) => r.result?.otherCores ?? 0));
  if (worst > OTHER_CORES_WARN) {
    out.push(
      `WARNING: up to ${worst.toFixed(2)} cores went to other processes during a measured ` +
        'window; throughput and latency are depressed. Rerun on a quiet machine.',
    );
  }
  return out;
}

interface FailoverFigures {
  gaps: number[];
  recoveries: number[];
  failed: number;
}

function failoverFigures(rows: readonly FailoverRow[], server: ServerName): FailoverFigures {
  const mine = rows.filter((r) => r.server === server);
  const ok = mine.flatMap((r) => (r.result === null ? [] : [r.result]));
  return {
    gaps: ok.flatMap((t) => (t.maxGapMs === null ? [] : [t.maxGapMs])),
    recoveries: ok.flatMap((t) => (t.recoveryMs === null ? [] : [t.recoveryMs])),
    failed: mine.length - ok.filter((t) => t.maxGapMs !== null).length,
  };
}

const FAILOVER_WIDTHS = [22, 10, 10, 7];

function failoverTable(opts: EnsembleBenchOptions, rows: readonly FailoverRow[]): string[] {
  const w = failoverFigures(rows, 'warren');
  const z = failoverFigures(rows, 'zookeeper');
  const list = (values: number[]): string => values.map((v) => v.toFixed(0)).join(', ') || '-';
  const line = (name: string, a: number | null, b: number | null): string =>
    row([name, fixed(a, 0), fixed(b, 0), times(ratio(a, b))], FAILOVER_WIDTHS);
  return [
    `== failover: SIGKILL the leader under ${opts.failoverSessions} sessions x ` +
      `${opts.failoverInflight} setData in flight, ${opts.failoverTries} tries per run ==`,
    row(['', 'warren', 'zookeeper', 'W/ZK'], FAILOVER_WIDTHS),
    line('median stall ms', median(w.gaps), median(z.gaps)),
    line('median recovery ms', median(w.recoveries), median(z.recoveries)),
    `stall ms, each try:    warren ${list(w.gaps)}; zookeeper ${list(z.gaps)}`,
    `recovery ms, each try: warren ${list(w.recoveries)}; zookeeper ${list(z.recoveries)}`,
    `failed tries:          warren ${w.failed}; zookeeper ${z.failed}`,
    'stall: longest gap between consecutive acknowledged writes around the kill; recovery: ' +
      'kill to first ack of a write sent after it.',
  ];
}

export function formatEnsembleTables(
  opts: EnsembleBenchOptions,
  loads: readonly LoadRow[],
  failovers: readonly FailoverRow[],
): string {
  const out = [''];
  if (opts.ops.length > 0) out.push(...loadTable(opts, loads), '');
  if (opts.failoverTries > 0) out.push(...failoverTable(opts, failovers), '');
  return out.join('\n');
}

export function ensembleJson(
  opts: EnsembleBenchOptions,
  loads: readonly LoadRow[],
  failovers: readonly FailoverRow[],
): string {
  const summary: Record<string, unknown> = {};
  for (const op of opts.ops) {
    const w = opFigures(loads, 'warren', op);
    const z = opFigures(loads, 'zookeeper', op);
    summary[op] = {
      warren: w,
      zookeeper: z,
      throughputRatio: ratio(w.opsPerSec, z.opsPerSec),
      cpuPerOpRatio: ratio(w.cpuPer1k, z.cpuPer1k),
    };
  }
  const w = failoverFigures(failovers, 'warren');
  const z = failoverFigures(failovers, 'zookeeper');
  summary['failover'] = {
    warren: { medianStallMs: median(w.gaps), medianRecoveryMs: median(w.recoveries), ...w },
    zookeeper: { medianStallMs: median(z.gaps), medianRecoveryMs: median(z.recoveries), ...z },
    stallRatio: ratio(median(w.gaps), median(z.gaps)),
  };
  const document = {
    bench: 'warren-vs-zookeeper-ensemble',
    version: 1,
    date: new Date().toISOString(),
    config: { ...opts, outFile: undefined },
    summary,
    load: loads,
    failover: failovers,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
