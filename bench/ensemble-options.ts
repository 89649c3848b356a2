/**
 * Flags of `npm run bench:ensemble` (node dist/bench/ensemble.js). Every flag has an
 * environment variable of the same name in capitals with an ENSEMBLE_ prefix (--duration is
 * ENSEMBLE_DURATION, --failover-tries is ENSEMBLE_FAILOVER_TRIES); the flag wins. `--quick`
 * is a smoke run of well under a minute: 1 s phases, one failover try per server.
 */
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { intIn, listOf, seconds } from './options.js';
import { isServerName, type ServerName } from './servers.js';
import { INFLIGHT_MAX } from '../src/bench/session.js';
import { BENCH_OPS, isBenchOp, type BenchOp } from '../src/bench/workload.js';

export interface EnsembleBenchOptions {
  servers: ServerName[];
  ops: BenchOp[];
  sessions: number;
  inflight: number;
  workers: number;
  durationMs: number;
  warmupMs: number;
  valueBytes: number;
  keys: number;
  /** Whole runs (start, load, failover, stop) per server; the order alternates. */
  repetitions: number;
  failoverTries: number;
  failoverSessions: number;
  failoverInflight: number;
  steadyMs: number;
  afterMs: number;
  tickTime: number;
  initLimit: number;
  syncLimit: number;
  zooKeeperHeapMb: number;
  /** Quorum TLS (sslQuorum with PKCS12 stores made by openssl) on both servers. */
  quorumTls: boolean;
  /** Where the JSON goes; null: nowhere. */
  outFile: string | null;
}

const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));

function defaultOutFile(): string {
  const stamp = new Date().toISOString().slice(0, 16).replace(':', '');
  return `${RESULTS_DIR}ensemble-${stamp}.json`;
}

const QUICK = { duration: '1', warmup: '0.5', failoverTries: '1', steady: '1', after: '0.5' };

type Parse<T> = (value: string) => T;

/** The flag's value, else ENSEMBLE_<NAME>, else the --quick preset, else the default. */
function pick<T>(
  flags: Record<string, unknown>,
  key: string,
  parse: Parse<T>,
  fallback: T,
  quick: boolean,
): T {
  const flag = flags[key];
  if (flag !== undefined) return flag as T;
  const envName = `ENSEMBLE_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
  const env = process.env[envName];
  if (env !== undefined && env !== '') {
    try {
      return parse(env);
    } catch (error) {
      throw new InvalidArgumentError(`${envName}: ${(error as Error).message}`);
    }
  }
  const preset = quick ? (QUICK as Record<string, string>)[key] : undefined;
  return preset === undefined ? fallback : parse(preset);
}

export function parseEnsembleOptions(argv: readonly string[]): EnsembleBenchOptions {
  const servers = listOf('server', isServerName);
  const ops = listOf('op', isBenchOp);
  const count = (max: number) => intIn(1, max);
  const program = new Command('bench:ensemble')
    .description('3-server Warren vs 3-server ZooKeeper: throughput, p99, CPU/op, failover')
    .option('--quick', 'smoke run: 1 s phases, 0.5 s warm-up, one failover try')
    .option('--servers <list>', 'warren,zookeeper (run one after the other)', servers)
    .option('--ops <list>', `load phases in order, of ${BENCH_OPS.join(',')} (create,set,get)`, ops)
    .option('--sessions <n>', 'load sessions, spread over the members (8)', count(10_000))
    .option('--inflight <k>', 'pipelined requests per session (32)', count(INFLIGHT_MAX))
    .option('--workers <n>', 'load-generator processes (2)', count(64))
    .option('--duration <s>', 'measured seconds per phase (8)', seconds(0.1))
    .option('--warmup <s>', 'warm-up seconds per phase (2)', seconds(0))
    .option('--size <bytes>', 'value size (100)', intIn(0, 1024 * 1024))
    .option('--keys <n>', 'znodes set and get pick from (1000)', count(10_000_000))
    .option('--repetitions <n>', 'runs per server, order alternating (1)', count(100))
    .option('--failover-tries <n>', 'leader kills per run; 0 skips failover (5)', intIn(0, 1000))
    .option('--failover-sessions <n>', 'writer sessions during failover (4)', count(1000))
    .option('--failover-inflight <k>', 'writes outstanding per writer session (4)', count(1000))
    .option('--steady <s>', 'seconds of writes before each kill (2)', seconds(0.1))
    .option('--after <s>', 'seconds of writes after writes resume (1)', seconds(0))
    .option('--tick-time <ms>', 'tickTime of both ensembles (2000)', intIn(100, 60_000))
    .option('--init-limit <ticks>', 'initLimit (10)', count(1000))
    .option('--sync-limit <ticks>', 'syncLimit (5)', count(1000))
    .option('--zk-heap <mb>', 'heap of each ZooKeeper JVM (2048)', intIn(64, 65_536))
    .option('--quorum-tls', 'quorum TLS on both ensembles (certificates made with openssl)')
    .option('--out <file>', 'results JSON (bench/results/ensemble-<date>.json; "-": none)')
    .showHelpAfterError();
  program.parse(argv as string[], { from: 'node' });
  const f = program.opts<Record<string, unknown>>();
  const q = f['quick'] === true;
  const s = seconds(0);
  const outFile = pick(f, 'out', (v) => v, defaultOutFile(), q);
  return {
    servers: pick(f, 'servers', servers, ['warren', 'zookeeper'], q),
    ops: pick(f, 'ops', ops, ['create', 'set', 'get'], q),
    sessions: pick(f, 'sessions', count(10_000), 8, q),
    inflight: pick(f, 'inflight', count(INFLIGHT_MAX), 32, q),
    workers: pick(f, 'workers', count(64), 2, q),
    durationMs: pick(f, 'duration', seconds(0.1), 8_000, q),
    warmupMs: pick(f, 'warmup', s, 2_000, q),
    valueBytes: pick(f, 'size', intIn(0, 1024 * 1024), 100, q),
    keys: pick(f, 'keys', count(10_000_000), 1000, q),
    repetitions: pick(f, 'repetitions', count(100), 1, q),
    failoverTries: pick(f, 'failoverTries', intIn(0, 1000), 5, q),
    failoverSessions: pick(f, 'failoverSessions', count(1000), 4, q),
    failoverInflight: pick(f, 'failoverInflight', count(1000), 4, q),
    steadyMs: pick(f, 'steady', seconds(0.1), 2_000, q),
    afterMs: pick(f, 'after', s, 1_000, q),
    tickTime: pick(f, 'tickTime', intIn(100, 60_000), 2000, q),
    initLimit: pick(f, 'initLimit', count(1000), 10, q),
    syncLimit: pick(f, 'syncLimit', count(1000), 5, q),
    zooKeeperHeapMb: pick(f, 'zkHeap', intIn(64, 65_536), 2048, q),
    quorumTls: pick(f, 'quorumTls', (v) => v === 'true' || v === '1', false, q),
    outFile: outFile === '-' ? null : outFile,
  };
}
