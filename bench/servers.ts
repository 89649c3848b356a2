/**
 * The servers a benchmark runs against, each started fresh (temp data dir, free port) by the
 * shared launchers in test/support: Apache ZooKeeper 3.8 standalone with -Xmx2g and its
 * defaults (forceSync on), and Warren with its defaults (fsync on). A `target` is a server
 * someone else started; it is never stopped, and its CPU is known only if its pid is given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWarren } from '../test/support/warren-proc.js';
import { freePort } from '../test/support/ports.js';
import { makeTestPki, opensslMissing } from '../test/support/test-certificates.js';
import { startZooKeeper } from '../test/support/zookeeper-ref.js';

/** warren-tls: Warren's secureClientPort (ssl.clientAuth=none), for TLS on vs off. */
export const SERVER_NAMES = ['warren', 'warren-tls', 'zookeeper'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

/** Heap for the reference JVM, as in the published ZooKeeper figures. */
export const ZOOKEEPER_HEAP_MB = 2048;

export interface BenchServer {
  name: string;
  host: string;
  port: number;
  pid: number | null;
  /** Where the server's output goes, for the error report; null for a target. */
  logFile: string | null;
  stop(): Promise<void>;
  /** The CA file to trust when the benchmark connects with TLS. */
  tlsCaFile?: string;
}

export function isServerName(name: string): name is ServerName {
  return (SERVER_NAMES as readonly string[]).includes(name);
}

export async function startBenchServer(name: ServerName): Promise<BenchServer> {
  if (name === 'warren-tls') return startWarrenTls();
  const running =
    name === 'zookeeper'
      ? await startZooKeeper({ heapMb: ZOOKEEPER_HEAP_MB })
      : await startWarren();
  return {
    name,
    host: running.host,
    port: running.port,
    pid: running.pid,
    logFile: running.logFile,
    stop: () => running.stop(),
  };
}

/** Warren with a TLS client port and certificates made for the run (openssl). */
async function startWarrenTls(): Promise<BenchServer> {
  const missing = opensslMissing();
  if (missing !== undefined) throw new Error(`warren-tls: ${missing}`);
  const dir = mkdtempSync(join(tmpdir(), 'warren-bench-tls-'));
  const pki = makeTestPki(dir, ['server']);
  const securePort = await freePort();
  const running = await startWarren({
    config: {
      secureClientPort: String(securePort),
      secureClientPortAddress: '127.0.0.1',
      'ssl.keyStore.location': pki.leaf('server').pemPath,
      'ssl.trustStore.location': pki.caPath,
      'ssl.clientAuth': 'none',
    },
  });
  return {
    name: 'warren-tls',
    host: running.host,
    port: securePort,
    pid: running.pid,
    logFile: running.logFile,
    tlsCaFile: pki.caPath,
    stop: async () => {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An already-running server at host:port. */
export function targetServer(hostPort: string, pid: number | null): BenchServer {
  const match = /^(.+):(\d+)$/.exec(hostPort);
  if (match === null) throw new Error(`--target must be host:port, got ${hostPort}`);
  return {
    name: 'target',
    host: match[1]!,
    port: Number(match[2]),
    pid,
    logFile: null,
    stop: () => Promise.resolve(),
  };
}
