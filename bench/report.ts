/**
 * The benchmark's output: one table per operation (a row per server, then the Warren/ZooKeeper
 * ratios when both ran) and, last, one JSON line with every figure for scripts to read.
 */
import type { BenchOptions } from './options.js';
import type { LoadResult } from '../src/bench/load-generator.js';
import type { BenchOp } from '../src/bench/workload.js';

export interface BenchRow {
  server: string;
  op: BenchOp;
  result: LoadResult | null;
  /** Why there is no result (the server did not start, a session failed, ...). */
  error: string | null;
}

/** More outside CPU than this during a window earns a warning under the tables. */
const OTHER_CORES_WARN = 0.25;

const COLUMNS = [
  ['server', 10],
  ['ops/s', 9],
  ['p50 ms', 8],
  ['p99 ms', 8],
  ['p99.9 ms', 9],
  ['errors', 7],
  ['srv CPU ms/1k', 14],
  ['srv cores', 10],
  ['gen CPU ms/1k', 14],
  ['gen cores', 10],
  ['busy', 6],
  ['other cores', 12],
  ['srv RSS MiB', 12],
] as const;

function fixed(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '-'
    : value.toFixed(digits);
}

function line(cells: readonly string[]): string {
  return cells
    .map((cell, i) => {
      const width = COLUMNS[i]?.[1] ?? 8;
      return i === 0 ? cell.padEnd(width) : cell.padStart(width);
    })
    .join(' ');
}

function cores(cpuMs: number | null, windowMs: number): string {
  return cpuMs === null || windowMs <= 0 ? '-' : (cpuMs / windowMs).toFixed(2);
}

function resultCells(row: BenchRow): string[] {
  const r = row.result;
  if (r === null) return [row.server, `failed: ${row.error ?? 'unknown error'}`];
  return [
    row.server,
    Math.round(r.opsPerSec).toLocaleString('en-US'),
    fixed(r.latencyMs.p50, 2),
    fixed(r.latencyMs.p99, 2),
    fixed(r.latencyMs.p999, 2),
    String(r.errorCount),
    fixed(r.serverCpuMsPer1k, 1),
    cores(r.serverCpuMs, r.windowMs),
    fixed(r.generatorCpuMsPer1k, 1),
    cores(r.generatorCpuMs, r.windowMs),
    r.machineBusy === null ? '-' : `${Math.round(r.machineBusy * 100)}%`,
    fixed(r.otherCores, 2),
    fixed(r.memory?.rssMiB, 0),
  ];
}

export interface Ratios {
  throughput: number | null;
  serverCpuPerOp: number | null;
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  return b > 0 && Number.isFinite(a) ? a / b : null;
}

/** Warren / ZooKeeper for one op, or null unless both have results. */
export function ratiosFor(rows: readonly BenchRow[], op: BenchOp): Ratios | null {
  const w = rows.find((r) => r.op === op && r.server === 'warren')?.result;
  const z = rows.find((r) => r.op === op && r.server === 'zookeeper')?.result;
  if (w === undefined || w === null || z === undefined || z === null) return null;
  return {
    throughput: ratio(w.opsPerSec, z.opsPerSec),
    serverCpuPerOp: ratio(w.serverCpuMsPer1k, z.serverCpuMsPer1k),
  };
}

export function formatTables(opts: BenchOptions, rows: readonly BenchRow[]): string {
  const out: string[] = [];
  for (const op of opts.ops.filter((o, i, all) => all.indexOf(o) === i)) {
    out.push('');
    out.push(
      `== ${op}: ${opts.sessions} sessions x ${opts.inflight} in flight, ${opts.valueBytes}-byte ` +
        `values, ${opts.durationMs / 1000} s measured after ${opts.warmupMs / 1000} s warm-up ==`,
    );
    out.push(line(COLUMNS.map(([name]) => name)));
    for (const row of rows.filter((r) => r.op === op)) out.push(line(resultCells(row)));
    const ratios = ratiosFor(rows, op);
    if (ratios !== null) {
      const cells = COLUMNS.map(() => '');
      cells[0] = 'warren/zk';
      cells[1] = `${fixed(ratios.throughput, 2)}x`;
      cells[6] = `${fixed(ratios.serverCpuPerOp, 2)}x`;
      out.push(line(cells));
    }
  }
  out.push('');
  out.push(
    'srv/gen CPU ms/1k: CPU the server / the load generator spent per 1000 replies; ' +
      'cores: CPU seconds per second; busy: whole machine; other cores: CPU used by neither.',
  );
  const worst = Math.max(0, ...rows.map((r) => r.result?.otherCores ?? 0));
  if (worst > OTHER_CORES_WARN) {
    out.push(
      `WARNING: up to ${worst.toFixed(2)} cores went to other processes during a measured ` +
        'window; throughput and latency are depressed. Rerun on a quiet machine.',
    );
  }
  return out.join('\n');
}

export function jsonLine(opts: BenchOptions, rows: readonly BenchRow[]): string {
  const ratios: Record<string, Ratios> = {};
  for (const op of opts.ops) {
    const r = ratiosFor(rows, op);
    if (r !== null) ratios[op] = r;
  }
  return JSON.stringify({
    bench: 'warren-vs-zookeeper',
    version: 1,
    config: {
      ops: opts.ops,
      servers: opts.target === null ? opts.servers : [`target ${opts.target}`],
      sessions: opts.sessions,
      inflight: opts.inflight,
      workers: opts.workers,
      durationMs: opts.durationMs,
      warmupMs: opts.warmupMs,
      valueBytes: opts.valueBytes,
      keys: opts.keys,
    },
    results: rows.map((row) => ({
      server: row.server,
      op: row.op,
      error: row.error,
      ...row.result,
    })),
    ratios,
  });
}
