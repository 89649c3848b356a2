/**
 * `npm run bench`: Warren and Apache ZooKeeper side by side under the same closed-loop load.
 * The servers run one at a time (never together: they would share the two cores), each fresh,
 * and go through the same phases: untimed setup, then per operation a warm-up and a measured
 * window. Progress goes to stderr; the tables and a final JSON line go to stdout.
 * Exit status 1 when a phase failed or any reply was an error.
 */
import { readFileSync } from 'node:fs';
import { runLoad } from '../src/bench/load-generator.js';
import { parseOptions, type BenchOptions } from './options.js';
import { populate } from '../src/bench/populate.js';
import { processCpuMs } from '../src/bench/proc-stats.js';
import { formatTables, jsonLine, type BenchRow } from './report.js';
import { startBenchServer, targetServer, type BenchServer } from './servers.js';

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0] ?? text;
}

function alive(server: BenchServer): boolean {
  return server.pid === null || processCpuMs(server.pid) !== null;
}

function failedRows(server: string, opts: BenchOptions, from: number, error: string): BenchRow[] {
  return opts.ops.slice(from).map((op) => ({ server, op, result: null, error }));
}

/** Setup, then every op in order; a phase that fails is reported and the next one runs. */
async function benchServer(server: BenchServer, opts: BenchOptions): Promise<BenchRow[]> {
  const root = `/warren-bench-${Date.now().toString(36)}`;
  const { host, port } = server;
  const tlsCaFile = server.tlsCaFile;
  const setupMs = await populate({
    host,
    port,
    ...(tlsCaFile === undefined ? {} : { tlsCa: readFileSync(tlsCaFile, 'utf8') }),
    root,
    ops: opts.ops,
    keys: opts.keys,
    valueBytes: opts.valueBytes,
  });
  progress(`${server.name}: setup under ${root} took ${setupMs} ms`);
  const rows: BenchRow[] = [];
  for (const [phase, op] of opts.ops.entries()) {
    if (!alive(server)) {
      rows.push(...failedRows(server.name, opts, phase, 'server process has exited'));
      break;
    }
    progress(
      `${server.name}: ${op} (${opts.warmupMs / 1000} s warm-up, ${opts.durationMs / 1000} s)`,
    );
    try {
      const result = await runLoad({
        endpoints: [{ host, port, ...(tlsCaFile === undefined ? {} : { tlsCaFile }) }],
        serverPids: server.pid === null ? [] : [server.pid],
        sessions: opts.sessions,
        inflight: opts.inflight,
        workers: opts.workers,
        warmupMs: opts.warmupMs,
        durationMs: opts.durationMs,
        spec: { op, root, keys: opts.keys, valueBytes: opts.valueBytes, phase },
      });
      progress(
        `${server.name}: ${op}: ${Math.round(result.opsPerSec)} ops/s, ` +
          `p99 ${result.latencyMs.p99.toFixed(2)} ms, ${result.errorCount} errors`,
      );
      rows.push({ server: server.name, op, result, error: null });
    } catch (error) {
      progress(`${server.name}: ${op} failed: ${describe(error)}`);
      rows.push({ server: server.name, op, result: null, error: describe(error) });
    }
  }
  return rows;
}

async function startAndBench(
  name: BenchOptions['servers'][number],
  opts: BenchOptions,
): Promise<BenchRow[]> {
  let server: BenchServer;
  try {
    progress(`starting ${name}`);
    server = await startBenchServer(name);
  } catch (error) {
    progress(`${name} did not start: ${describe(error)}`);
    return failedRows(name, opts, 0, `did not start: ${describe(error)}`);
  }
  progress(`${name}: pid ${server.pid} on ${server.host}:${server.port}`);
  try {
    return await benchServer(server, opts);
  } catch (error) {
    progress(`${name}: ${describe(error)} (log: ${server.logFile})`);
    return failedRows(name, opts, 0, describe(error));
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv);
  const rows: BenchRow[] = [];
  if (opts.target !== null) {
    const server = targetServer(opts.target, opts.targetPid);
    try {
      rows.push(...(await benchServer(server, opts)));
    } catch (error) {
      rows.push(...failedRows(server.name, opts, 0, describe(error)));
    }
  } else {
    for (const name of opts.servers) rows.push(...(await startAndBench(name, opts)));
  }
  if (!opts.jsonOnly) process.stdout.write(`${formatTables(opts, rows)}\n\n`);
  process.stdout.write(`${jsonLine(opts, rows)}\n`);
  const bad = rows.some((r) => r.result === null || r.result.errorCount > 0);
  process.exitCode = bad ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
