/**
 * Options of the hostile-load benchmark. Every count scales with --scale (0.01 runs in a
 * minute or two); each can also be set on its own.
 * Usage: node dist/bench/hostile-load.js [--scale 1] [--sessions 10000] [--watches 1000000]
 *   [--children 1000000] [--big-readers 300] [--big-requests 1000] [--big-output-mib 64]
 *   [--storm-sessions 10000] [--storm-watches 10] [--memory-mib 1024] [--workers 4]
 *   [--hold-ms 10000] [--client-stall-ms 5000]
 *   [--only sessions,watches,children,big-readers,storm] [--out bench/results/<name>]
 */
export interface HostileOptions {
  sessions: number;
  watches: number;
  children: number;
  bigReaders: number;
  bigRequests: number;
  /**
   * warren.clientOutputBytesMax for the big-reader load (MiB): far above its 4 MiB default,
   * so that the memory bound, not the per-connection budget, has to stop them.
   */
  bigOutputMiB: number;
  stormSessions: number;
  stormWatchesPerSession: number;
  memoryMiB: number;
  workers: number;
  holdMs: number;
  clientStallMs: number;
  only: ReadonlySet<string>;
  /** Results path without extension; empty: print only. */
  out: string;
}

export const LOADS = ['sessions', 'watches', 'children', 'big-readers', 'storm'] as const;

export function parseOptions(argv: readonly string[]): HostileOptions {
  const flag = (name: string, fallback: string): string => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? (argv[at + 1] ?? fallback) : fallback;
  };
  const scale = Number(flag('scale', '1'));
  const count = (name: string, full: number, least = 1): number => {
    const value = Number(flag(name, String(Math.max(least, Math.round(full * scale)))));
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a count`);
    return value;
  };
  const fixed = (name: string, value: number): number => count(name, value / scale);
  const only = flag('only', LOADS.join(','));
  return {
    sessions: count('sessions', 10_000),
    watches: count('watches', 1_000_000),
    children: count('children', 1_000_000),
    bigReaders: count('big-readers', 300, 4),
    bigRequests: count('big-requests', 1000, 50),
    bigOutputMiB: fixed('big-output-mib', 64),
    stormSessions: count('storm-sessions', 10_000),
    stormWatchesPerSession: count('storm-watches', 10),
    memoryMiB: fixed('memory-mib', 1024),
    workers: fixed('workers', 4),
    holdMs: fixed('hold-ms', 10_000),
    clientStallMs: fixed('client-stall-ms', 5000),
    only: new Set(only.split(',')),
    out: flag('out', ''),
  };
}
