/**
 * The coordinator side of the load generator: forks the worker processes, spreads the
 * sessions over them, walks them through warm-up and the measured window, and merges what they
 * report. Around the window it samples the server's CPU (/proc/<pid>/stat, summed over every
 * server process: one for a standalone server, three for an ensemble), the machine's busy time
 * and its own CPU, so one result says how much CPU each side spent per operation. Sessions are
 * spread round-robin over the endpoints, as clients of an ensemble would be.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { LatencyHistogram } from './histogram.js';
import {
  coreCount,
  machineBusyShare,
  machineCpu,
  processCpuMs,
  processMemory,
  type MemoryFigures,
} from './proc-stats.js';
import type {
  Endpoint,
  FromWorker,
  ToWorker,
  WorkerConfig,
  WorkerResult,
} from './worker-messages.js';
import type { WorkloadSpec } from './workload.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./load-worker.js', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const RESULT_TIMEOUT_MS = 30_000;
const SESSION_TIMEOUT_MS = 30_000;
const WAIT_SLICE_MS = 100;

export interface LoadPlan {
  /** Session i connects to endpoints[i % endpoints.length]. */
  endpoints: readonly Endpoint[];
  /** The server processes for CPU and memory figures (summed); empty when unknown. */
  serverPids: readonly number[];
  sessions: number;
  inflight: number;
  workers: number;
  warmupMs: number;
  /** The measured window; with perSessionCount, the most it may last. */
  durationMs: number;
  spec: WorkloadSpec;
  /** Requests per session in the window; the window ends when all are answered. */
  perSessionCount?: number | null;
  /** watch: sessions that only hold a watch on the key set, spread over the workers. */
  watchers?: number;
  /** The requested session timeout (idle sessions ping at a third of it). */
  sessionTimeoutMs?: number;
  /** Ends the warm-up or the window early (Ctrl-C): what was measured so far is kept. */
  signal?: AbortSignal;
  /** Called about once a second in the window with the replies and errors so far. */
  onProgress?: (replies: number, errors: number, elapsedMs: number) => void;
}

export interface LoadResult {
  op: string;
  replies: number;
  windowMs: number;
  opsPerSec: number;
  errorCount: number;
  errors: Record<string, number>;
  byOpcode: Record<string, number>;
  latencyMs: {
    p50: number;
    p90: number;
    p99: number;
    p999: number;
    mean: number;
    max: number;
  };
  /** Server CPU over the window, and per 1000 replies. */
  serverCpuMs: number | null;
  serverCpuMsPer1k: number | null;
  /** Load-generator CPU (all workers and this process) over the window, and per 1000 replies. */
  generatorCpuMs: number;
  generatorCpuMsPer1k: number;
  /** Busy share of the whole machine (all cores) over the window, 0..1. */
  machineBusy: number | null;
  /**
   * Cores busy with neither the server nor the generator during the window (other processes,
   * the kernel's own work): well above 0 means the figures are depressed by outside load.
   */
  otherCores: number | null;
  cores: number;
  memory: MemoryFigures | null;
  uncleanCloses: number;
  /** Watch notifications the generator received in the window. */
  notifications: number;
  /** create: requests sent per session tag (cleanup deletes <createDir>/<tag>-0..n-1). */
  created: Record<string, number>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One forked worker and the messages it has sent but nobody has taken yet. */
class WorkerHandle {
  private readonly inbox: FromWorker[] = [];
  private waiter: (() => void) | null = null;
  private exitNote: string | null = null;
  /** The latest progress report, and whether every session has finished. */
  progress = { replies: 0, errors: 0 };
  done = false;

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: FromWorker) => {
      if (message.type === 'progress') this.progress = message;
      else if (message.type === 'done') this.done = true;
      else this.inbox.push(message);
      this.waiter?.();
    });
    child.on('exit', (code, signal) => {
      this.exitNote = `load worker ${child.pid} exited (${signal ?? `code ${code}`})`;
      this.waiter?.();
    });
  }

  post(message: ToWorker): void {
    if (this.child.connected) this.child.send(message);
  }

  /** The next message of the given type; a `failed` message or an exit rejects. */
  async next<T extends FromWorker['type']>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<FromWorker, { type: T }>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const message = this.inbox.shift();
      if (message?.type === 'failed') throw new Error(`load worker: ${message.message}`);
      if (message?.type === type) return message as Extract<FromWorker, { type: T }>;
      if (message !== undefined) continue;
      if (this.exitNote !== null) throw new Error(this.exitNote);
      const left = deadline - performance.now();
      if (left <= 0)
        throw new Error(`load worker ${this.child.pid}: no ${type} in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

function spawnWorkers(plan: LoadPlan): WorkerHandle[] {
  const count = Math.max(1, Math.min(plan.workers, plan.sessions));
  const handles: WorkerHandle[] = [];
  let firstSession = 0;
  for (let i = 0; i < count; i++) {
    const sessions = share(plan.sessions, count, i);
    const child = fork(WORKER_SCRIPT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const handle = new WorkerHandle(child);
    const config: WorkerConfig = {
      workerIndex: i,
      endpoints: [...plan.endpoints],
      firstSession,
      sessions,
      inflight: plan.inflight,
      sessionTimeoutMs: plan.sessionTimeoutMs ?? SESSION_TIMEOUT_MS,
      spec: plan.spec,
      totalSessions: plan.sessions,
      watchers: share(plan.watchers ?? 0, count, i),
      pingIntervalMs: Math.max(1, Math.floor((plan.sessionTimeoutMs ?? SESSION_TIMEOUT_MS) / 3)),
      perSessionCount: plan.perSessionCount ?? null,
    };
    handle.post({ type: 'start', config });
    handles.push(handle);
    firstSession += sessions;
  }
  return handles;
}

/** Worker i's part of n items spread over `count` workers. */
function share(n: number, count: number, i: number): number {
  return Math.floor(n / count) + (i < n % count ? 1 : 0);
}

/** Waits out the window: its duration, or until every worker is done, reporting progress. */
async function window(plan: LoadPlan, handles: readonly WorkerHandle[]): Promise<void> {
  const started = performance.now();
  let reported = started;
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= plan.durationMs || handles.every((h) => h.done)) return;
    if (plan.signal?.aborted === true) return;
    await sleep(Math.min(WAIT_SLICE_MS, plan.durationMs - elapsed));
    if (plan.onProgress !== undefined && performance.now() - reported >= 1_000) {
      reported = performance.now();
      const replies = handles.reduce((n, h) => n + h.progress.replies, 0);
      const errors = handles.reduce((n, h) => n + h.progress.errors, 0);
      plan.onProgress(replies, errors, reported - started);
    }
  }
}

/** Sleeps `ms`, or less when the signal aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Runs one operation's warm-up and measured window and returns the merged figures. */
export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const handles = spawnWorkers(plan);
  try {
    await Promise.all(handles.map((h) => h.next('ready', READY_TIMEOUT_MS)));
    for (const h of handles) h.post({ type: 'go' });
    await abortableSleep(plan.warmupMs, plan.signal);
    const before = sample(plan.serverPids);
    for (const h of handles) h.post({ type: 'measure' });
    await window(plan, handles);
    for (const h of handles) h.post({ type: 'stop' });
    const after = sample(plan.serverPids);
    const results = await Promise.all(
      handles.map(async (h) => (await h.next('result', RESULT_TIMEOUT_MS)).result),
    );
    return merge(plan, results, before, after);
  } finally {
    for (const h of handles) h.kill();
  }
}

export interface Sample {
  serverCpuMs: number | null;
  machine: ReturnType<typeof machineCpu>;
  ownCpuMs: number;
  at: number;
}

/** CPU of all the processes in ms, or null when none is given or one is gone. */
function serversCpuMs(pids: readonly number[]): number | null {
  let total = 0;
  for (const pid of pids) {
    const ms = processCpuMs(pid);
    if (ms === null) return null;
    total += ms;
  }
  return pids.length === 0 ? null : total;
}

/** Resident memory summed over the processes, or null when none is given or one is gone. */
function serversMemory(pids: readonly number[]): MemoryFigures | null {
  const sum: MemoryFigures = { rssMiB: 0, peakRssMiB: 0 };
  for (const pid of pids) {
    const m = processMemory(pid);
    if (m === null) return null;
    sum.rssMiB += m.rssMiB;
    sum.peakRssMiB += m.peakRssMiB;
  }
  return pids.length === 0 ? null : sum;
}

/** CPU of the servers, the machine and this process, now. */
export function sample(serverPids: readonly number[]): Sample {
  return {
    serverCpuMs: serversCpuMs(serverPids),
    machine: machineCpu(),
    ownCpuMs: ownCpuMs(),
    at: performance.now(),
  };
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}

/** What merge() needs of a plan. */
export type MergePlan = Pick<LoadPlan, 'serverPids' | 'spec'>;

/** One result from the workers' reports and the samples either side of the window. */
export function merge(
  plan: MergePlan,
  results: readonly WorkerResult[],
  before: Sample,
  after: Sample,
): LoadResult {
  const histogram = new LatencyHistogram();
  const errors: Record<string, number> = {};
  const byOpcode: Record<string, number> = {};
  const created: Record<string, number> = {};
  let longestMs = 0;
  let workerCpuMs = 0;
  let notifications = 0;
  for (const r of results) {
    histogram.merge(r.histogram);
    addCounts(errors, r.errors);
    addCounts(byOpcode, r.byOpcode);
    addCounts(created, r.created);
    longestMs = Math.max(longestMs, r.windowMs);
    workerCpuMs += r.cpuMs;
    notifications += r.notifications;
  }
  // Workers that finish a --count early stop their clock: the slowest one sets the window.
  const opsPerSec = longestMs > 0 ? (histogram.count * 1000) / longestMs : 0;
  const replies = histogram.count;
  const per1k = (ms: number): number => (replies > 0 ? (ms * 1000) / replies : NaN);
  const serverCpuMs =
    before.serverCpuMs === null || after.serverCpuMs === null
      ? null
      : after.serverCpuMs - before.serverCpuMs;
  const generatorCpuMs = workerCpuMs + (after.ownCpuMs - before.ownCpuMs);
  const windowMs = after.at - before.at;
  const machineBusy = machineBusyShare(before.machine, after.machine);
  const otherCores =
    machineBusy === null || serverCpuMs === null || windowMs <= 0
      ? null
      : Math.max(0, machineBusy * coreCount() - (serverCpuMs + generatorCpuMs) / windowMs);
  return {
    op: plan.spec.op,
    replies,
    windowMs,
    opsPerSec,
    errorCount: Object.values(errors).reduce((a, b) => a + b, 0),
    errors,
    byOpcode,
    latencyMs: {
      p50: histogram.quantileMs(0.5),
      p90: histogram.quantileMs(0.9),
      p99: histogram.quantileMs(0.99),
      p999: histogram.quantileMs(0.999),
      mean: histogram.meanMs(),
      max: histogram.maxMs(),
    },
    serverCpuMs,
    serverCpuMsPer1k: serverCpuMs === null ? null : per1k(serverCpuMs),
    generatorCpuMs,
    generatorCpuMsPer1k: per1k(generatorCpuMs),
    machineBusy,
    otherCores,
    cores: coreCount(),
    memory: serversMemory(plan.serverPids),
    uncleanCloses: results.reduce((n, r) => n + r.uncleanCloses, 0),
    notifications,
    created,
  };
}
