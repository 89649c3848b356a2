/**
 * Starts one benchmark server (as bench/run.ts would: fresh temp dir, free port, ZooKeeper
 * with -Xmx2g), or with a `-N` suffix an N-member ensemble on loopback (as bench/ensemble.ts
 * would: bench/ensemble-cluster.ts with bench:ensemble's default settings), for tools outside
 * Node, such as bench/zkbench-cross-check.sh. Prints one JSON line
 * {name, host, port, pid, pids, connectString, logFile} on stdout once the server (every
 * member, with one leader) is ready: for an ensemble, host, port and pid are the first
 * member's, connectString lists every member and pids holds every member's pid. Then keeps it
 * running until stdin reaches end-of-file, and stops it (SIGINT or SIGTERM kill it too,
 * through the launchers' exit hooks). An ensemble that lost a member meanwhile keeps its logs.
 *   node dist/bench/serve.js zookeeper < control-fifo
 *   node dist/bench/serve.js warren-3 < control-fifo
 */
import { BenchEnsemble, type EnsembleSettings } from './ensemble-cluster.js';
import { processCpuMs } from '../src/bench/proc-stats.js';
import { isServerName, SERVER_NAMES, startBenchServer, ZOOKEEPER_HEAP_MB } from './servers.js';

/** Ensemble sizes accepted after the server name (`warren-3`). */
const ENSEMBLE_SIZES = [3, 5, 7] as const;

/** bench:ensemble's defaults (bench/ensemble-options.ts), but for the size. */
function ensembleSettings(size: number): EnsembleSettings {
  return { size, tickTime: 2000, initLimit: 10, syncLimit: 5, zooKeeperHeapMb: ZOOKEEPER_HEAP_MB };
}

interface Served {
  host: string;
  port: number;
  pid: number | null;
  pids: number[];
  connectString: string;
  logFile: string | null;
  stop(): Promise<void>;
}

async function serve(name: string): Promise<Served | null> {
  if (isServerName(name)) {
    const server = await startBenchServer(name);
    const { host, port, pid, logFile } = server;
    const connectString = `${host}:${port}`;
    const pids = pid === null ? [] : [pid];
    return { host, port, pid, pids, connectString, logFile, stop: () => server.stop() };
  }
  const match = /^(.+)-(\d+)$/.exec(name);
  const base = match?.[1] ?? '';
  const size = Number(match?.[2]);
  if (!isServerName(base) || !(ENSEMBLE_SIZES as readonly number[]).includes(size)) return null;
  const ensemble = await BenchEnsemble.start(base, ensembleSettings(size));
  const first = ensemble.endpoints[0]!;
  const pids = ensemble.pids;
  return {
    host: first.host,
    port: first.port,
    pid: pids[0] ?? null,
    pids,
    connectString: ensemble.connectString,
    logFile: ensemble.logDir,
    stop: async () => {
      const lost = pids.filter((pid) => processCpuMs(pid) === null);
      await ensemble.stop(lost.length > 0);
      if (lost.length > 0) {
        process.stderr.write(
          `serve: ${name} lost pid(s) ${lost.join(',')}; logs in ${ensemble.logDir}\n`,
        );
      }
    },
  };
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  const server = await serve(name);
  if (server === null) {
    const sizes = ENSEMBLE_SIZES.join('|');
    process.stderr.write(
      `usage: serve.js ${SERVER_NAMES.join('|')}[-${sizes}]  (stops at end of stdin)\n`,
    );
    process.exit(2);
  }
  const { host, port, pid, pids, connectString, logFile } = server;
  const info = { name, host, port, pid, pids, connectString, logFile };
  process.stdout.write(`${JSON.stringify(info)}\n`);
  await new Promise<void>((resolve) => {
    process.stdin.on('end', resolve).on('error', () => resolve());
    process.stdin.resume();
  });
  await server.stop();
}

main().catch((error: unknown) => {
  process.stderr.write(`serve: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
