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
  /** Sessions of the whole phase (for delete's share of the nodes). */
  totalSessions: number;
  /** watch: extra sessions of this worker that only hold a watch on the key set. */
  watchers: number;
  /** idle: each session pings this often (a real client pings at about a third of its timeout). */
  pingIntervalMs: number;
  /** Requests each session may send once measuring starts; null: no limit (--duration). */
  perSessionCount: number | null;
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
  /** Watch notifications received in the window. */
  notifications: number;
  /** create: requests sent per session tag over the whole phase (the cleanup deletes them). */
  created: Record<string, number>;
  /** Every session had sent its last request and been answered, this long into the window. */
  doneMs: number | null;
}

export type ToWorker =
  | { type: 'start'; config: WorkerConfig }
  | { type: 'go' }
  | { type: 'measure' }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; replies: number; errors: number }
  | { type: 'done' }
  | { type: 'result'; result: WorkerResult }
  | { type: 'failed'; message: string };
