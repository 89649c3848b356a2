/**
 * Turns the `warren bench --json` documents of `npm run bench:compare` into per-workload medians
 * over the repetitions and Warren ÷ ZooKeeper ratios, and writes them as a markdown table.
 * Pure: the caller reads and writes the files.
 */
import type { BenchJson, WorkloadFigures } from '../src/bench/report.js';
import type { Contender, Topology } from './compare-servers.js';

export interface CompareRun {
  topology: Topology;
  server: Contender;
  repetition: number;
  report: BenchJson;
}

export interface Medians {
  runs: number;
  opsPerSec: number;
  serverCpuMsPer1k: number;
  p99: number;
  errors: number;
}

export interface RatioRow {
  topology: Topology;
  workload: string;
  warren: Medians | null;
  zookeeper: Medians | null;
  throughput: number;
  cpuPerOp: number;
  p99: number;
}

export function median(values: readonly number[]): number {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function num(value: number | null): number {
  return value === null ? NaN : value;
}

function mediansOf(results: readonly WorkloadFigures[]): Medians | null {
  const ok = results.filter((r) => r.error === null);
  if (ok.length === 0) return null;
  return {
    runs: ok.length,
    opsPerSec: median(ok.map((r) => r.opsPerSec)),
    serverCpuMsPer1k: median(ok.map((r) => num(r.serverCpuMsPer1k))),
    p99: median(ok.map((r) => num(r.latencyMs.p99))),
    errors: ok.reduce((n, r) => n + r.errorCount, 0),
  };
}

function figuresOf(runs: readonly CompareRun[], t: Topology, s: Contender, w: string) {
  return runs
    .filter((r) => r.topology === t && r.server === s)
    .flatMap((r) => r.report.results.filter((f) => f.workload === w));
}

export function ratioRows(runs: readonly CompareRun[]): RatioRow[] {
  const rows: RatioRow[] = [];
  const topologies = [...new Set(runs.map((r) => r.topology))];
  for (const topology of topologies) {
    const workloads = [
      ...new Set(
        runs
          .filter((r) => r.topology === topology)
          .flatMap((r) => r.report.results.map((f) => f.workload)),
      ),
    ];
    for (const workload of workloads) {
      const warren = mediansOf(figuresOf(runs, topology, 'warren', workload));
      const zookeeper = mediansOf(figuresOf(runs, topology, 'zookeeper', workload));
      const ratio = (pick: (m: Medians) => number): number =>
        warren === null || zookeeper === null ? NaN : pick(warren) / pick(zookeeper);
      rows.push({
        topology,
        workload,
        warren,
        zookeeper,
        throughput: ratio((m) => m.opsPerSec),
        cpuPerOp: ratio((m) => m.serverCpuMsPer1k),
        p99: ratio((m) => m.p99),
      });
    }
  }
  return rows;
}

function fix(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

function int(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value)
    ? '-'
    : Math.round(value).toLocaleString('en-US');
}

export function ratioTable(rows: readonly RatioRow[]): string {
  const out = [
    '| topology | workload | throughput W÷Z | server CPU/op W÷Z | p99 W÷Z | Warren ops/s | ZooKeeper ops/s | Warren CPU ms/1k | ZooKeeper CPU ms/1k | Warren p99 ms | ZooKeeper p99 ms | errors W/Z |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    out.push(
      `| ${r.topology} | ${r.workload} | ${fix(r.throughput, 2)} | ${fix(r.cpuPerOp, 2)} | ` +
        `${fix(r.p99, 2)} | ${int(r.warren?.opsPerSec)} | ${int(r.zookeeper?.opsPerSec)} | ` +
        `${fix(r.warren?.serverCpuMsPer1k, 1)} | ${fix(r.zookeeper?.serverCpuMsPer1k, 1)} | ` +
        `${fix(r.warren?.p99, 2)} | ${fix(r.zookeeper?.p99, 2)} | ` +
        `${r.warren?.errors ?? '-'}/${r.zookeeper?.errors ?? '-'} |`,
    );
  }
  return out.join('\n');
}
