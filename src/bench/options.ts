/**
 * The flags of `warren bench`, and their checks. Defaults follow zkbench and the published
 * reference figures: 8 sessions × 32 pipelined requests, 100-byte values, a key set of 1000
 * znodes, 2 s of warm-up then 10 s measured per workload. Every count has an upper bound so a
 * typo cannot open a million sockets or allocate gigabytes.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { INFLIGHT_MAX } from './session.js';
import type { Endpoint } from './worker-messages.js';
import { isWorkload, WORKLOADS, type Workload } from './workload.js';

export const SESSIONS_MAX = 10_000;
export const IDLE_SESSIONS_MAX = 20_000;
export const WATCHERS_MAX = 10_000;
export const WORKERS_MAX = 64;
export const VALUE_BYTES_MAX = 1024 * 1024;
export const KEYS_MAX = 10_000_000;
export const CHILDREN_MAX = 100_000;
export const MULTI_OPS_MAX = 1000;
export const COUNT_MAX = 100_000_000;
export const DELETE_NODES_MAX = 1_000_000;
/** With --count and no --duration, a workload still stops after this long. */
export const COUNT_TIME_CAP_MS = 600_000;
const SECONDS_MAX = 3600;

export interface BenchCommandOptions {
  servers: Endpoint[];
  workloads: Workload[];
  sessions: number;
  inflight: number;
  workers: number;
  valueBytes: number;
  keys: number;
  /** The measured window per workload (with count: the most it may last). */
  durationMs: number;
  /** Operations measured per workload instead of a duration; null: use the duration. */
  count: number | null;
  /** idle has no operations to count: it always runs this long. */
  idleMs: number;
  warmupMs: number;
  readShare: number;
  children: number;
  multiOps: number;
  watchers: number;
  idleSessions: number;
  sessionTimeoutMs: number;
  /** Nodes created for a delete phase when no --count is given. */
  deleteNodes: number;
  serverPids: number[];
  json: boolean;
}

export function intIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer in ${min}..${max}`);
    }
    return n;
  };
}

export function seconds(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > SECONDS_MAX) {
      throw new InvalidArgumentError(`expected seconds in ${min}..${SECONDS_MAX}`);
    }
    return Math.round(n * 1000);
  };
}

export function share(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError('expected a share in 0..1, e.g. 0.9');
  }
  return n;
}

/** `host:port[,host:port...]`; IPv6 hosts in brackets (`[::1]:2181`). */
export function parseServers(value: string): Endpoint[] {
  const endpoints = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((item) => {
      const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(item);
      const port = Number(match?.[3]);
      const host = match?.[1] ?? match?.[2];
      if (host === undefined || !(port >= 1 && port <= 65535)) {
        throw new InvalidArgumentError(`expected host:port, got ${item}`);
      }
      return { host, port };
    });
  if (endpoints.length === 0) throw new InvalidArgumentError('expected host:port[,host:port]');
  return endpoints;
}

/** A comma-separated list of workloads, or `all`. */
export function parseWorkloads(value: string): Workload[] {
  if (value.trim() === 'all') return [...WORKLOADS];
  const items = value.split(',').map((s) => s.trim());
  const bad = items.filter((s) => !isWorkload(s));
  if (bad.length > 0) {
    throw new InvalidArgumentError(`unknown workload ${bad.join(', ')} (${WORKLOADS.join(', ')})`);
  }
  return items as Workload[];
}

export function parsePids(value: string): number[] {
  return value.split(',').map((s) => intIn(1, 2 ** 22)(s.trim()));
}

/** Adds every flag to `command` (the `warren bench` subcommand, or a Command of its own). */
export function addBenchOptions(command: Command): Command {
  return command
    .requiredOption(
      '-s, --servers <host:port,...>',
      'the server(s); sessions are spread over them',
      parseServers,
    )
    .option(
      '-w, --workloads <list>',
      `comma-separated, or all (${WORKLOADS.join(',')})`,
      parseWorkloads,
    )
    .option('--sessions <n>', 'sessions (lock: contenders) (default 8)', intIn(1, SESSIONS_MAX))
    .option('--inflight <k>', 'pipelined requests per session (default 32)', intIn(1, INFLIGHT_MAX))
    .option(
      '--size <bytes>',
      'payload of create, set, multi (default 100)',
      intIn(0, VALUE_BYTES_MAX),
    )
    .option(
      '--keys <n>',
      'key spread: znodes reads and writes pick from (default 1000)',
      intIn(1, KEYS_MAX),
    )
    .option('--duration <s>', 'measured seconds per workload (default 10)', seconds(0.1))
    .option('--count <n>', 'measure this many operations per workload instead', intIn(1, COUNT_MAX))
    .option('--warmup <s>', 'unmeasured seconds before each workload (default 2)', seconds(0))
    .option('--read-share <r>', 'mixed: share of reads, 0..1 (default 0.9)', share)
    .option(
      '--children <n>',
      'children: children of each wide parent (default 1000)',
      intIn(1, CHILDREN_MAX),
    )
    .option(
      '--multi-ops <n>',
      'multi: setData operations per multi (default 5)',
      intIn(1, MULTI_OPS_MAX),
    )
    .option(
      '--watchers <n>',
      'watch: sessions watching the key set (default 100)',
      intIn(1, WATCHERS_MAX),
    )
    .option(
      '--idle-sessions <n>',
      'idle: sessions that only ping (default 1000)',
      intIn(1, IDLE_SESSIONS_MAX),
    )
    .option(
      '--session-timeout <ms>',
      'requested session timeout; idle pings at a third (default 30000)',
      intIn(1000, 600_000),
    )
    .option(
      '--delete-nodes <n>',
      'delete: nodes to delete without --count (default 20000)',
      intIn(1, DELETE_NODES_MAX),
    )
    .option('--workers <n>', 'load-generator processes (default 2)', intIn(1, WORKERS_MAX))
    .option(
      '--server-pid <pid,...>',
      'server process(es) on this machine: CPU per operation from /proc',
      parsePids,
    )
    .addOption(new Option('--json', 'print one JSON document instead of the table'));
}

/** What commander hands over; every field absent means its default. */
export interface RawBenchFlags {
  servers: Endpoint[];
  workloads?: Workload[];
  sessions?: number;
  inflight?: number;
  size?: number;
  keys?: number;
  duration?: number;
  count?: number;
  warmup?: number;
  readShare?: number;
  children?: number;
  multiOps?: number;
  watchers?: number;
  idleSessions?: number;
  sessionTimeout?: number;
  deleteNodes?: number;
  workers?: number;
  serverPid?: number[];
  json?: boolean;
}

export function benchOptionsFrom(raw: RawBenchFlags): BenchCommandOptions {
  const count = raw.count ?? null;
  return {
    servers: raw.servers,
    workloads: raw.workloads ?? [...WORKLOADS],
    sessions: raw.sessions ?? 8,
    inflight: raw.inflight ?? 32,
    workers: raw.workers ?? 2,
    valueBytes: raw.size ?? 100,
    keys: raw.keys ?? 1000,
    durationMs: raw.duration ?? (count === null ? 10_000 : COUNT_TIME_CAP_MS),
    count,
    idleMs: raw.duration ?? 10_000,
    warmupMs: raw.warmup ?? 2_000,
    readShare: raw.readShare ?? 0.9,
    children: raw.children ?? 1000,
    multiOps: raw.multiOps ?? 5,
    watchers: raw.watchers ?? 100,
    idleSessions: raw.idleSessions ?? 1000,
    sessionTimeoutMs: raw.sessionTimeout ?? 30_000,
    deleteNodes: count ?? raw.deleteNodes ?? 20_000,
    serverPids: raw.serverPid ?? [],
    json: raw.json === true,
  };
}

/** Parses `warren bench`'s arguments (after the word bench); throws CommanderError on a bad one. */
export function parseBenchArgs(args: readonly string[]): BenchCommandOptions {
  const command = addBenchOptions(new Command('bench'))
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  command.parse([...args], { from: 'user' });
  return benchOptionsFrom(command.opts<RawBenchFlags>());
}
