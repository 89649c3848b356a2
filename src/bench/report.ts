/**
 * `warren bench`'s output: a table (one row per workload: throughput, latency percentiles,
 * errors, server and client CPU) with the errors by code under it, or one JSON document with
 * every figure. Both come from the same BenchRun; nothing here does I/O.
 */
import type { LoadResult } from './load-generator.js';
import type { BenchCommandOptions } from './options.js';
import type { BenchRun, WorkloadRow } from './run-bench.js';

export const REPORT_VERSION = 1;

export interface WorkloadFigures {
  workload: string;
  sessions: number;
  error: string | null;
  ops: number;
  windowMs: number;
  opsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  errorCount: number;
  errors: Record<string, number>;
  /** null without --server-pid (or when the server is not on this machine). */
  serverCpuMs: number | null;
  serverCpuMsPer1k: number | null;
  serverCores: number | null;
  clientCpuMs: number;
  clientCpuMsPer1k: number;
  clientCores: number;
  /** Cores busy with neither side during the window (outside load). */
  otherCores: number | null;
  /** watch: notifications received in the window. */
  notifications: number;
  notificationsPerSec: number;
}

export interface BenchJson {
  bench: 'warren bench';
  version: number;
  servers: string[];
  root: string;
  startedAt: string;
  config: Record<string, number | string | string[] | null>;
  setupMs: number;
  results: WorkloadFigures[];
  cleanup: { deleted: number; ms: number; failure: string | null } | null;
  failure: string | null;
}

/** Null when the value is not a finite number (JSON has no NaN). */
function finite(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}

function perSecond(n: number, ms: number): number {
  return ms > 0 ? (n * 1000) / ms : 0;
}

function figures(row: WorkloadRow): WorkloadFigures {
  const r: LoadResult | null = row.result;
  const nan = { p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN, mean: NaN };
  const windowMs = r?.windowMs ?? 0;
  return {
    workload: row.workload,
    sessions: row.sessions,
    error: row.error,
    ops: r?.replies ?? 0,
    windowMs,
    opsPerSec: r?.opsPerSec ?? 0,
    latencyMs: r?.latencyMs ?? nan,
    errorCount: r?.errorCount ?? 0,
    errors: r?.errors ?? {},
    serverCpuMs: r?.serverCpuMs ?? null,
    serverCpuMsPer1k: finite(r?.serverCpuMsPer1k ?? null),
    serverCores: r?.serverCpuMs == null || windowMs <= 0 ? null : r.serverCpuMs / windowMs,
    clientCpuMs: r?.generatorCpuMs ?? 0,
    clientCpuMsPer1k: finite(r?.generatorCpuMsPer1k ?? null) ?? 0,
    clientCores: windowMs > 0 ? (r?.generatorCpuMs ?? 0) / windowMs : 0,
    otherCores: r?.otherCores ?? null,
    notifications: r?.notifications ?? 0,
    notificationsPerSec: perSecond(r?.notifications ?? 0, windowMs),
  };
}

export function endpointList(opts: BenchCommandOptions): string[] {
  return opts.servers.map((e) => `${e.host}:${e.port}`);
}

export function benchJson(opts: BenchCommandOptions, run: BenchRun): BenchJson {
  return {
    bench: 'warren bench',
    version: REPORT_VERSION,
    servers: endpointList(opts),
    root: run.root,
    startedAt: run.startedAt,
    config: {
      workloads: opts.workloads,
      sessions: opts.sessions,
      inflight: opts.inflight,
      workers: opts.workers,
      valueBytes: opts.valueBytes,
      keys: opts.keys,
      durationMs: opts.count === null ? opts.durationMs : null,
      count: opts.count,
      warmupMs: opts.warmupMs,
      readShare: opts.readShare,
      children: opts.children,
      multiOps: opts.multiOps,
      watchers: opts.watchers,
      idleSessions: opts.idleSessions,
      sessionTimeoutMs: opts.sessionTimeoutMs,
      serverPids: opts.serverPids.map(String),
    },
    setupMs: run.setupMs,
    results: run.rows.map(figures),
    cleanup: run.cleanup,
    failure: run.failure,
  };
}

/** JSON text: NaN (an empty histogram) becomes null. */
export function jsonText(report: BenchJson): string {
  return JSON.stringify(report, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? null : value,
  );
}

const COLUMNS: ReadonlyArray<readonly [string, number]> = [
  ['workload', 9],
  ['sessions', 8],
  ['ops/s', 10],
  ['p50 ms', 8],
  ['p90 ms', 8],
  ['p99 ms', 8],
  ['p99.9 ms', 9],
  ['max ms', 8],
  ['errors', 7],
  ['srv CPU ms/1k', 14],
  ['srv cores', 9],
  ['cli cores', 9],
];

function fixed(value: number | null, digits: number): string {
  return value === null || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

function line(cells: readonly string[]): string {
  return cells
    .map((cell, i) => {
      const width = COLUMNS[i]?.[1] ?? 8;
      return i === 0 ? cell.padEnd(width) : cell.padStart(width);
    })
    .join(' ')
    .trimEnd();
}

function cells(f: WorkloadFigures): string[] {
  if (f.error !== null) return [f.workload, String(f.sessions), `failed: ${f.error}`];
  const l = f.latencyMs;
  return [
    f.workload,
    String(f.sessions),
    Math.round(f.opsPerSec).toLocaleString('en-US'),
    fixed(l.p50, 2),
    fixed(l.p90, 2),
    fixed(l.p99, 2),
    fixed(l.p999, 2),
    fixed(l.max, 1),
    String(f.errorCount),
    fixed(f.serverCpuMsPer1k, 1),
    fixed(f.serverCores, 2),
    fixed(f.clientCores, 2),
  ];
}

/** Lines under the table: errors by code, watch fan-out, idle sessions' cost. */
function notes(f: WorkloadFigures): string[] {
  const out: string[] = [];
  const errors = Object.entries(f.errors).map(([code, n]) => `${code} x${n}`);
  if (errors.length > 0) out.push(`${f.workload}: errors ${errors.join(', ')}`);
  if (f.workload === 'watch' && f.error === null) {
    const perWrite = f.ops > 0 ? f.notifications / f.ops : 0;
    out.push(
      `watch: ${Math.round(f.notificationsPerSec).toLocaleString('en-US')} notifications/s ` +
        `(${perWrite.toFixed(1)} per write)`,
    );
  }
  if (f.workload === 'idle' && f.error === null) {
    const perK = (cores: number | null): string =>
      cores === null ? '-' : ((cores * 1000 * 1000) / f.sessions).toFixed(2);
    out.push(
      `idle: ${f.sessions} sessions (pings only): server ${perK(f.serverCores)}, client ` +
        `${perK(f.clientCores)} CPU ms per second per 1000 sessions`,
    );
  }
  return out;
}

export function formatTable(opts: BenchCommandOptions, run: BenchRun): string {
  const report = benchJson(opts, run);
  const what = opts.count === null ? `${opts.durationMs / 1000} s` : `${opts.count} ops`;
  const out = [
    `warren bench: ${report.servers.join(',')}; ${opts.sessions} sessions x ${opts.inflight} ` +
      `in flight, ${opts.valueBytes}-byte values, ${opts.keys} keys; ${what} per workload ` +
      `after ${opts.warmupMs / 1000} s warm-up`,
    line(COLUMNS.map(([name]) => name)),
    ...report.results.map((f) => line(cells(f))),
  ];
  const extra = report.results.flatMap(notes);
  if (extra.length > 0) out.push('', ...extra);
  out.push(
    '',
    'srv CPU ms/1k: server CPU per 1000 operations (needs --server-pid); cores: CPU seconds ' +
      'per second; cli: this load generator.',
  );
  if (run.cleanup !== null) {
    out.push(
      `cleanup: ${run.cleanup.deleted} znodes deleted under ${run.root} in ${run.cleanup.ms} ms`,
    );
  }
  if (run.failure !== null) out.push(`FAILED: ${run.failure}`);
  return out.join('\n');
}

/** True when the run should exit non-zero: a failure, a failed workload or an error reply. */
export function runFailed(run: BenchRun): boolean {
  return run.failure !== null || run.rows.some((r) => r.result === null || r.result.errorCount > 0);
}
