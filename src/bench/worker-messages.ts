/**
 * The IPC protocol between the benchmark coordinator and its load-worker processes:
 *   parent: start ─▶ worker opens its sessions ─▶ ready
 *   parent: go (closed loop starts; warm-up) ─▶ measure (counters reset) ─▶ stop ─▶ result
 * A worker that cannot continue sends failed and exits with status 1.
 */
import type { HistogramSnapshot } from './histogram.js';
import type { WorkloadSpec } from './workload.js';

export interface Endpoint {
  host: string;
  port: number;
  /** Connect with TLS, trusting this CA file (PEM). */
  tlsCaFile?: string;
}

export interface WorkerConfig {
  workerIndex: number;
  /** Session k of the whole run (k = firstSession + i) connects to endpoints[k % length]. */
  endpoints: Endpoint[];
  firstSession: number;
  /** How many sessions this worker opens. */
  sessions: number;
  inflight: number;
  sessionTimeoutMs: number;
  spec: WorkloadSpec;
}

export interface WorkerResult {
  workerIndex: number;
  /** Replies received inside the measured window, errors included. */
  replies: number;
  /** err != 0 replies in the window, by error code. */
  errors: Record<string, number>;
  /** Replies in the window by request opcode. */
  byOpcode: Record<string, number>;
  histogram: HistogramSnapshot;
  /** This worker's own view of the window length. */
  windowMs: number;
  /** process.cpuUsage() over the window (user + system), in ms. */
  cpuMs: number;
  /** Sessions that did not close cleanly afterwards (not counted as errors). */
  uncleanCloses: number;
}

export type ToWorker =
  | { type: 'start'; config: WorkerConfig }
  | { type: 'go' }
  | { type: 'measure' }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; result: WorkerResult }
  | { type: 'failed'; message: string };
