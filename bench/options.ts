/**
 * Command-line flags of `npm run bench` (node dist/bench/run.js). Defaults follow the
 * published reference figures: 8 sessions × 32 pipelined requests, 100-byte values, and a key
 * set of 1000 znodes, as zkbench uses.
 */
import { Command, InvalidArgumentError } from 'commander';
import {
  intIn,
  KEYS_MAX,
  seconds,
  SESSIONS_MAX,
  VALUE_BYTES_MAX,
  WORKERS_MAX,
} from '../src/bench/options.js';
import { INFLIGHT_MAX } from '../src/bench/session.js';
import { BENCH_OPS, isBenchOp, type BenchOp } from '../src/bench/workload.js';
import { isServerName, type ServerName } from './servers.js';

export interface BenchOptions {
  ops: BenchOp[];
  servers: ServerName[];
  sessions: number;
  inflight: number;
  workers: number;
  durationMs: number;
  warmupMs: number;
  valueBytes: number;
  keys: number;
  /** host:port of an already-running server: bench only that one. */
  target: string | null;
  targetPid: number | null;
  /** Print only the JSON line. */
  jsonOnly: boolean;
}

// The bounds and number parsers are warren bench's own (src/bench/options.ts).
export { intIn, seconds };

export function listOf<T extends string>(what: string, valid: (s: string) => s is T) {
  return (value: string): T[] => {
    const items = value.split(',').map((s) => s.trim());
    const bad = items.filter((s) => !valid(s));
    if (bad.length > 0 || items.length === 0) {
      throw new InvalidArgumentError(`unknown ${what}: ${bad.join(', ') || '(none)'}`);
    }
    return items as T[];
  };
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const program = new Command('bench')
    .description('Warren vs Apache ZooKeeper: throughput, latency and server CPU per operation')
    .option(
      '--ops <list>',
      `operations, in order (${BENCH_OPS.join(',')})`,
      listOf('op', isBenchOp),
    )
    .option('--servers <list>', 'servers to start, one at a time', listOf('server', isServerName))
    .option('--sessions <n>', 'sessions (default 8)', intIn(1, SESSIONS_MAX))
    .option('--inflight <k>', 'pipelined requests per session (default 32)', intIn(1, INFLIGHT_MAX))
    .option('--workers <n>', 'load-generator processes (default 2)', intIn(1, WORKERS_MAX))
    .option('--duration <s>', 'measured seconds per op (default 8)', seconds(0.1))
    .option('--warmup <s>', 'warm-up seconds per op, not measured (default 2)', seconds(0))
    .option(
      '--size <bytes>',
      'value size for create and set (default 100)',
      intIn(0, VALUE_BYTES_MAX),
    )
    .option('--keys <n>', 'znodes that get/set/mixed pick from (default 1000)', intIn(1, KEYS_MAX))
    .option('--target <host:port>', 'bench only this already-running server')
    .option(
      '--target-pid <pid>',
      'pid of the --target server, for CPU and memory',
      intIn(1, 2 ** 22),
    )
    .option('--json-only', 'print only the final JSON line')
    .showHelpAfterError();
  program.parse(argv as string[], { from: 'node' });
  const o = program.opts<{
    ops?: BenchOp[];
    servers?: ServerName[];
    sessions?: number;
    inflight?: number;
    workers?: number;
    duration?: number;
    warmup?: number;
    size?: number;
    keys?: number;
    target?: string;
    targetPid?: number;
    jsonOnly?: boolean;
  }>();
  return {
    ops: o.ops ?? [...BENCH_OPS],
    servers: o.servers ?? ['warren', 'zookeeper'],
    sessions: o.sessions ?? 8,
    inflight: o.inflight ?? 32,
    workers: o.workers ?? 2,
    durationMs: o.duration ?? 8_000,
    warmupMs: o.warmup ?? 2_000,
    valueBytes: o.size ?? 100,
    keys: o.keys ?? 1000,
    target: o.target ?? null,
    targetPid: o.targetPid ?? null,
    jsonOnly: o.jsonOnly === true,
  };
}
