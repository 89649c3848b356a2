/**
 * IPC between hostile-load.ts and its worker processes (hostile-session-worker.ts,
 * hostile-probe-worker.ts).
 */
export interface HostEndpoint {
  host: string;
  port: number;
}

export type SessionWorkerCommand =
  | {
      kind: 'open';
      endpoints: HostEndpoint[];
      /** Session k of the whole run connects to endpoints[k % length] first. */
      firstSession: number;
      count: number;
      timeoutMs: number;
      watchesPerSession: number;
      /** Watched paths are `${watchPrefix}/s<k>-w<i>` (they do not exist). */
      watchPrefix: string;
    }
  | { kind: 'stats' }
  /** Drop every connection now; each session reconnects to the next endpoint. */
  | { kind: 'storm' }
  | { kind: 'close' };

export interface SessionWorkerStats {
  kind: 'stats';
  open: number;
  failedToOpen: number;
  watches: number;
  refusedWatches: number;
  reconnects: number;
  reconnecting: number;
  /** Sessions the ensemble declared expired when they reconnected. */
  expired: number;
  /** Sessions that could not reconnect anywhere within two session timeouts. */
  gaveUp: number;
  maxReconnectMs: number;
  /** Watches a reconnect could not re-register. */
  lostWatchEvents: number;
}

export type ProbeCommand =
  | { kind: 'start'; endpoints: HostEndpoint[]; path: string; timeoutMs: number }
  | { kind: 'stop' };

export interface ProbeResult {
  kind: 'result';
  /** Acknowledged sequential creates under `path`, each one's name. */
  acked: string[];
  latenciesMs: number[];
  errors: number;
  reconnects: number;
  /** Longest time without any answer (across a reconnect too). */
  longestGapMs: number;
}
