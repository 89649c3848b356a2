/**
 * The lock workload: `sessions` clients of Warren's own client contend for one lock through the
 * lock recipe (src/recipes/lock.ts: an ephemeral-sequential node each, every waiter watching its
 * predecessor). Each client loops acquire → release; one operation is one grant, and its latency
 * runs from the acquire call to the release's reply, so it includes the wait for the others.
 * It runs in this process (a grant costs several round trips, far below what one process can
 * drive) and reports in the load generator's shape. Failures count by error code and the loop
 * goes on after a short pause.
 */
import { performance } from 'node:perf_hooks';
import { createClient, type ZooKeeperClient } from '../client/index.js';
import { Lock } from '../recipes/index.js';
import { LatencyHistogram } from './histogram.js';
import { abortableSleep, merge, sample, type LoadResult } from './load-generator.js';
import type { WorkerResult } from './worker-messages.js';
import type { WorkloadSpec } from './workload.js';

const ACQUIRE_TIMEOUT_MS = 30_000;
const PAUSE_AFTER_ERROR_MS = 50;
const PROGRESS_EVERY_MS = 1_000;

export interface LockPlan {
  connectString: string;
  serverPids: readonly number[];
  sessions: number;
  sessionTimeoutMs: number;
  warmupMs: number;
  /** The measured window; with perSessionCount, the most it may last. */
  durationMs: number;
  perSessionCount: number | null;
  spec: WorkloadSpec;
  onProgress?: (replies: number, errors: number, elapsedMs: number) => void;
  /** Ends the warm-up or the window early (Ctrl-C). */
  signal?: AbortSignal;
}

export function lockPath(root: string): string {
  return `${root}/lock`;
}

function errorKey(error: unknown): string {
  if (error instanceof Error && 'code' in error) {
    const named = 'codeName' in error ? `${String(error.codeName)}(${String(error.code)})` : null;
    return named ?? String(error.code);
  }
  return error instanceof Error ? error.name : 'error';
}

class Window {
  histogram = new LatencyHistogram();
  errors: Record<string, number> = {};
  errorCount = 0;
  measuring = false;
  /** Grants left in the window, shared by the contenders; null: until time is up. */
  left: number | null = null;
}

async function contend(client: ZooKeeperClient, path: string, w: Window, stop: () => boolean) {
  const lock = new Lock(client, path);
  while (!stop() && (w.left === null || w.left > 0)) {
    const counted = w.measuring;
    if (counted && w.left !== null) w.left--;
    const began = performance.now();
    try {
      await lock.acquire({ timeoutMs: ACQUIRE_TIMEOUT_MS });
      await lock.release();
      if (counted && w.measuring) w.histogram.recordMs(performance.now() - began);
    } catch (error) {
      if (!w.measuring) continue;
      const key = errorKey(error);
      w.errors[key] = (w.errors[key] ?? 0) + 1;
      w.errorCount++;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_AFTER_ERROR_MS));
    }
  }
}

export async function runLockLoad(plan: LockPlan): Promise<LoadResult> {
  const clients = Array.from({ length: plan.sessions }, () =>
    createClient(plan.connectString, { sessionTimeoutMs: plan.sessionTimeoutMs }),
  );
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const w = new Window();
    let stopped = false;
    const path = lockPath(plan.spec.root);
    const loops = clients.map((c) => contend(c, path, w, () => stopped));
    await abortableSleep(plan.warmupMs, plan.signal);
    const before = sample(plan.serverPids);
    w.measuring = true;
    w.left = plan.perSessionCount === null ? null : plan.perSessionCount * plan.sessions;
    const finished = Promise.all(loops);
    const started = performance.now();
    const progress = setInterval(() => {
      plan.onProgress?.(w.histogram.count, w.errorCount, performance.now() - started);
    }, PROGRESS_EVERY_MS);
    await Promise.race([abortableSleep(plan.durationMs, plan.signal), finished]);
    const windowMs = performance.now() - started;
    const after = sample(plan.serverPids);
    const seen = { errors: { ...w.errors }, histogram: w.histogram.snapshot() };
    w.measuring = false;
    stopped = true;
    clearInterval(progress);
    await finished;
    const result: WorkerResult = {
      workerIndex: 0,
      replies: seen.histogram.count,
      errors: seen.errors,
      byOpcode: {},
      histogram: seen.histogram,
      windowMs,
      cpuMs: 0, // this process: counted by the samples either side of the window
      uncleanCloses: 0,
      notifications: 0,
      created: {},
      doneMs: null,
    };
    return merge(plan, [result], before, after);
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }
}
