/**
 * One `warren bench` run against any ZooKeeper-protocol server: untimed setup under a fresh
 * root (/warren-bench-<random>), then each workload in order (warm-up, measured window), then
 * the cleanup of everything under the root, even after a failed workload. A workload that fails
 * is reported and the next one runs.
 */
import { randomBytes } from 'node:crypto';
import { runLoad, type LoadResult } from './load-generator.js';
import { runLockLoad } from './lock-load.js';
import type { BenchCommandOptions } from './options.js';
import { populate } from './populate.js';
import type { BenchProgress } from './progress.js';
import { cleanup, type CleanupResult } from './cleanup.js';
import type { WorkloadSpec, Workload } from './workload.js';

export interface WorkloadRow {
  workload: Workload;
  /** Sessions that carried the load (idle: the idle sessions; watch: writers). */
  sessions: number;
  result: LoadResult | null;
  /** Why there is no result. */
  error: string | null;
}

export interface BenchRun {
  root: string;
  startedAt: string;
  setupMs: number;
  rows: WorkloadRow[];
  cleanup: CleanupResult | null;
  /** Setup or cleanup failed (rows may still hold results). */
  failure: string | null;
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0] ?? text;
}

/** ZooKeeper's (and Warren's) default maxClientCnxns: connections per client address. */
const DEFAULT_CONNECTIONS_PER_ADDRESS = 60;

/** A hint for the usual cause when many sessions are refused. */
function hint(error: string, sessions: number): string {
  if (sessions <= DEFAULT_CONNECTIONS_PER_ADDRESS) return error;
  if (!/ECONNRESET|closed the connection|EPIPE/.test(error)) return error;
  return (
    `${error} (${sessions} sessions from one address: set maxClientCnxns=0, and on Warren ` +
    'raise warren.sessionCreateRatePerAddress and warren.sessionsPerAddressMax)'
  );
}

function connectString(opts: BenchCommandOptions): string {
  return opts.servers
    .map((e) => (e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`))
    .join(',');
}

function sessionsOf(opts: BenchCommandOptions, op: Workload): number {
  return op === 'idle' ? opts.idleSessions : opts.sessions;
}

async function runWorkload(
  opts: BenchCommandOptions,
  spec: WorkloadSpec,
  progress: BenchProgress,
  signal?: AbortSignal,
): Promise<LoadResult> {
  const sessions = sessionsOf(opts, spec.op);
  const perSessionCount = opts.count === null ? null : Math.ceil(opts.count / sessions);
  const timed = opts.count === null || spec.op === 'idle';
  const seconds = (spec.op === 'idle' ? opts.idleMs : opts.durationMs) / 1000;
  const target = timed ? `${seconds} s` : `${opts.count} ops`;
  const onProgress = (replies: number, errors: number, elapsedMs: number): void =>
    progress.update(spec.op, replies, errors, elapsedMs, target);
  // Every delete-pool node is deleted once: warm-up would use up what the window measures.
  const warmupMs = spec.op === 'delete' ? 0 : opts.warmupMs;
  if (spec.op === 'lock') {
    return runLockLoad({
      connectString: connectString(opts),
      serverPids: opts.serverPids,
      sessions,
      sessionTimeoutMs: opts.sessionTimeoutMs,
      warmupMs,
      durationMs: opts.durationMs,
      perSessionCount,
      spec,
      onProgress,
      ...(signal === undefined ? {} : { signal }),
    });
  }
  return runLoad({
    endpoints: opts.servers,
    serverPids: opts.serverPids,
    sessions,
    inflight: spec.op === 'idle' ? 1 : opts.inflight,
    workers: opts.workers,
    warmupMs,
    durationMs: spec.op === 'idle' ? opts.idleMs : opts.durationMs,
    spec,
    perSessionCount: spec.op === 'idle' ? null : perSessionCount,
    watchers: spec.op === 'watch' ? opts.watchers : 0,
    sessionTimeoutMs: opts.sessionTimeoutMs,
    onProgress,
    ...(signal === undefined ? {} : { signal }),
  });
}

/** One workload: its row, and for create the names it used (for the cleanup). */
async function runPhase(
  opts: BenchCommandOptions,
  spec: WorkloadSpec,
  progress: BenchProgress,
  signal?: AbortSignal,
): Promise<WorkloadRow> {
  const op = spec.op;
  const sessions = sessionsOf(opts, op);
  const warmup = op === 'delete' ? 0 : opts.warmupMs / 1000;
  progress.note(`${op}: ${sessions} sessions, ${warmup} s warm-up`);
  try {
    const result = await runWorkload(opts, spec, progress, signal);
    progress.note(
      `${op}: ${Math.round(result.opsPerSec).toLocaleString('en-US')} ops/s, ` +
        `p99 ${result.latencyMs.p99.toFixed(2)} ms, ${result.errorCount} errors`,
    );
    return { workload: op, sessions, result, error: null };
  } catch (error) {
    const why = hint(describe(error), op === 'watch' ? sessions + opts.watchers : sessions);
    progress.note(`${op} failed: ${why}`);
    return { workload: op, sessions, result: null, error: why };
  }
}

function specFor(
  opts: BenchCommandOptions,
  root: string,
  op: Workload,
  phase: number,
): WorkloadSpec {
  const { keys, valueBytes, readShare, children, multiOps, deleteNodes } = opts;
  return { op, root, keys, valueBytes, phase, readShare, children, multiOps, deleteNodes };
}

/**
 * Runs every workload, then cleans up. When `signal` aborts (Ctrl-C), the running workload
 * ends early with what it measured, the rest are skipped, and the cleanup still runs.
 */
export async function runBench(
  opts: BenchCommandOptions,
  progress: BenchProgress,
  signal?: AbortSignal,
): Promise<BenchRun> {
  const root = `/warren-bench-${randomBytes(6).toString('hex')}`;
  const run: BenchRun = {
    root,
    startedAt: new Date().toISOString(),
    setupMs: 0,
    rows: [],
    cleanup: null,
    failure: null,
  };
  const first = opts.servers[0]!;
  const { keys, valueBytes, children, deleteNodes } = opts;
  const created = new Map<number, Record<string, number>>();
  try {
    progress.note(`setup under ${root} on ${first.host}:${first.port}`);
    const { host, port } = first;
    const ops = opts.workloads;
    run.setupMs = await populate({
      host,
      port,
      root,
      ops,
      keys,
      valueBytes,
      children,
      deleteNodes,
    });
    for (const [phase, op] of opts.workloads.entries()) {
      if (signal?.aborted === true) {
        run.failure ??= 'interrupted';
        break;
      }
      const spec = specFor(opts, root, op, phase);
      const row = await runPhase(opts, spec, progress, signal);
      if (op === 'create' && row.result !== null) created.set(phase, row.result.created);
      run.rows.push(row);
    }
  } catch (error) {
    run.failure = `setup: ${describe(error)}`;
  } finally {
    try {
      progress.note(`cleaning up ${root}`);
      run.cleanup = await cleanup({
        endpoint: first,
        connectString: connectString(opts),
        root,
        workloads: opts.workloads,
        created,
        keys,
        children,
        deleteNodes,
      });
      if (run.cleanup.failure !== null) run.failure ??= `cleanup: ${run.cleanup.failure}`;
    } catch (error) {
      run.failure ??= `cleanup: ${describe(error)}`;
    }
  }
  return run;
}
