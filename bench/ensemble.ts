/**
 * `npm run bench:ensemble`: a 3-server Warren ensemble and a 3-server Apache ZooKeeper 3.8
 * ensemble on loopback, one after the other (never together: they would share the cores;
 * with --repetitions the order alternates). Each run: start the three members, untimed setup,
 * the load phases (8 sessions x 32 pipelined requests spread over the members; throughput,
 * p99, CPU per op summed over the three processes), then the failover tries (SIGKILL the
 * leader under a steady write stream, restart it, wait until the ensemble is whole). Progress
 * goes to stderr, the tables to stdout, every figure to bench/results/ensemble-<date>.json.
 * Exit status 1 when a phase or a try failed or any reply was an error.
 */
import { InvalidArgumentError } from 'commander';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { makeTestPki, opensslMissing } from '../test/support/test-certificates.js';
import { BenchEnsemble } from './ensemble-cluster.js';
import { parseEnsembleOptions, type EnsembleBenchOptions } from './ensemble-options.js';
import {
  ensembleJson,
  formatEnsembleTables,
  type FailoverRow,
  type LoadRow,
} from './ensemble-report.js';
import { failoverTry } from './failover.js';
import { runLoad } from '../src/bench/load-generator.js';
import { populate } from '../src/bench/populate.js';
import type { ServerName } from './servers.js';

const REJOIN_TIMEOUT_MS = 90_000;
const FAILOVER_TIMEOUT_MS = 60_000;
/** Longer than any election, so a failover never expires the writers' sessions. */
const FAILOVER_SESSION_TIMEOUT_MS = 20_000;

function progress(message: string): void {
  process.stderr.write(`[bench:ensemble] ${message}\n`);
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0] ?? text;
}

interface RunRows {
  loads: LoadRow[];
  failovers: FailoverRow[];
}

async function loadPhases(
  ensemble: BenchEnsemble,
  opts: EnsembleBenchOptions,
  repetition: number,
): Promise<LoadRow[]> {
  const server = ensemble.name;
  const root = `/warren-bench-${Date.now().toString(36)}`;
  const [first] = ensemble.endpoints;
  if (first === undefined) throw new Error('an ensemble without members');
  const { ops, keys, valueBytes } = opts;
  const setupMs = await populate({ ...first, root, ops, keys, valueBytes });
  progress(`${server}: setup under ${root} took ${setupMs} ms`);
  const rows: LoadRow[] = [];
  for (const [phase, op] of opts.ops.entries()) {
    progress(`${server}: ${op} (${opts.warmupMs / 1000} s warm-up, ${opts.durationMs / 1000} s)`);
    try {
      const result = await runLoad({
        endpoints: ensemble.endpoints,
        serverPids: ensemble.pids,
        sessions: opts.sessions,
        inflight: opts.inflight,
        workers: opts.workers,
        warmupMs: opts.warmupMs,
        durationMs: opts.durationMs,
        spec: { op, root, keys, valueBytes, phase },
      });
      progress(
        `${server}: ${op}: ${Math.round(result.opsPerSec)} ops/s, ` +
          `p99 ${result.latencyMs.p99.toFixed(2)} ms, ${result.errorCount} errors`,
      );
      rows.push({ server, repetition, op, result, error: null });
    } catch (error) {
      progress(`${server}: ${op} failed: ${describe(error)}`);
      rows.push({ server, repetition, op, result: null, error: describe(error) });
    }
  }
  return rows;
}

async function failoverTries(
  ensemble: BenchEnsemble,
  opts: EnsembleBenchOptions,
  repetition: number,
): Promise<FailoverRow[]> {
  const server = ensemble.name;
  const rows: FailoverRow[] = [];
  const plan = {
    sessions: opts.failoverSessions,
    inflight: opts.failoverInflight,
    valueBytes: opts.valueBytes,
    sessionTimeoutMs: FAILOVER_SESSION_TIMEOUT_MS,
    steadyMs: opts.steadyMs,
    afterMs: opts.afterMs,
    timeoutMs: FAILOVER_TIMEOUT_MS,
    rejoinTimeoutMs: REJOIN_TIMEOUT_MS,
  };
  for (let attempt = 1; attempt <= opts.failoverTries; attempt++) {
    const root = `/warren-failover-${Date.now().toString(36)}`;
    try {
      const last = attempt === opts.failoverTries;
      const result = await failoverTry(ensemble, plan, root, !last);
      progress(
        `${server}: failover ${attempt}: killed ${result.killedId}, new leader ` +
          `${result.newLeaderId ?? '-'}, stall ${result.maxGapMs?.toFixed(0) ?? '-'} ms, ` +
          `recovery ${result.recoveryMs?.toFixed(0) ?? '-'} ms` +
          (result.rejoinMs === null ? '' : `, rejoined in ${result.rejoinMs.toFixed(0)} ms`),
      );
      rows.push({ server, repetition, attempt, result, error: null });
    } catch (error) {
      progress(`${server}: failover ${attempt} failed: ${describe(error)}`);
      rows.push({ server, repetition, attempt, result: null, error: describe(error) });
      await ensemble.waitWhole(REJOIN_TIMEOUT_MS); // a broken ensemble ends the run
    }
  }
  return rows;
}

function failedRun(
  server: ServerName,
  opts: EnsembleBenchOptions,
  repetition: number,
  error: string,
): RunRows {
  return {
    loads: opts.ops.map((op) => ({ server, repetition, op, result: null, error })),
    failovers: Array.from({ length: opts.failoverTries }, (_, i) => ({
      server,
      repetition,
      attempt: i + 1,
      result: null,
      error,
    })),
  };
}

let quorumTlsLines: Record<string, string> | null = null;

/** zoo.cfg lines for quorum TLS with one PEM key store every member shares (loopback). */
function quorumTlsConfig(): Record<string, string> {
  if (quorumTlsLines !== null) return quorumTlsLines;
  const missing = opensslMissing();
  if (missing !== undefined) throw new Error(`--quorum-tls: ${missing}`);
  const pki = makeTestPki(mkdtempSync(join(tmpdir(), 'warren-bench-pki-')), ['member']);
  // PEM stores: both Warren and ZooKeeper 3.8 read them (type from the .pem extension).
  quorumTlsLines = {
    sslQuorum: 'true',
    'ssl.quorum.keyStore.location': pki.leaf('member').pemPath,
    'ssl.quorum.trustStore.location': pki.caPath,
  };
  return quorumTlsLines;
}

async function benchEnsemble(
  server: ServerName,
  opts: EnsembleBenchOptions,
  repetition: number,
): Promise<RunRows> {
  progress(`starting a 3-server ${server} ensemble (run ${repetition})`);
  let ensemble: BenchEnsemble;
  try {
    ensemble = await BenchEnsemble.start(server, {
      size: 3,
      tickTime: opts.tickTime,
      initLimit: opts.initLimit,
      syncLimit: opts.syncLimit,
      zooKeeperHeapMb: opts.zooKeeperHeapMb,
      extraConfig: opts.quorumTls ? quorumTlsConfig() : {},
    });
  } catch (error) {
    progress(`${server} did not start: ${describe(error)}`);
    return failedRun(server, opts, repetition, `did not start: ${describe(error)}`);
  }
  const leader = await ensemble.leader();
  progress(`${server}: pids ${ensemble.pids.join(',')}, leader ${leader?.id ?? '?'}`);
  const rows: RunRows = { loads: [], failovers: [] };
  try {
    rows.loads = await loadPhases(ensemble, opts, repetition);
    rows.failovers = await failoverTries(ensemble, opts, repetition);
  } catch (error) {
    progress(`${server}: ${describe(error)}`);
    const failed = failedRun(server, opts, repetition, describe(error));
    if (rows.loads.length === 0) rows.loads = failed.loads;
    rows.failovers = failed.failovers;
  }
  const bad = [...rows.loads, ...rows.failovers].some((r) => r.result === null);
  await ensemble.stop(bad);
  if (bad) progress(`${server}: something failed; the members' logs are in ${ensemble.logDir}`);
  return rows;
}

async function main(): Promise<void> {
  const opts = parseEnsembleOptions(process.argv);
  const loads: LoadRow[] = [];
  const failovers: FailoverRow[] = [];
  for (let repetition = 1; repetition <= opts.repetitions; repetition++) {
    const order = repetition % 2 === 1 ? opts.servers : [...opts.servers].reverse();
    for (const server of order) {
      const rows = await benchEnsemble(server, opts, repetition);
      loads.push(...rows.loads);
      failovers.push(...rows.failovers);
    }
  }
  process.stdout.write(`${formatEnsembleTables(opts, loads, failovers)}\n`);
  if (opts.outFile !== null) {
    mkdirSync(dirname(opts.outFile), { recursive: true });
    writeFileSync(opts.outFile, ensembleJson(opts, loads, failovers));
    process.stdout.write(`results: ${opts.outFile}\n`);
  }
  const bad =
    loads.some((r) => r.result === null || r.result.errorCount > 0) ||
    failovers.some((r) => r.result === null || r.result.maxGapMs === null);
  process.exitCode = bad ? 1 : 0;
}

main().catch((error: unknown) => {
  if (error instanceof InvalidArgumentError) {
    process.stderr.write(`bench:ensemble: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `bench:ensemble: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
