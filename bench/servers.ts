/**
 * The servers a benchmark runs against, each started fresh (temp data dir, free port) by the
 * shared launchers in test/support: Apache ZooKeeper 3.8 standalone with -Xmx2g and its
 * defaults (forceSync on), and Warren with its defaults (fsync on). A `target` is a server
 * someone else started; it is never stopped, and its CPU is known only if its pid is given.
 */
import { startWarren } from '../test/support/warren-proc.js';
import { startZooKeeper } from '../test/support/zookeeper-ref.js';

export const SERVER_NAMES = ['warren', 'zookeeper'] as const;
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
}

export function isServerName(name: string): name is ServerName {
  return (SERVER_NAMES as readonly string[]).includes(name);
}

export async function startBenchServer(name: ServerName): Promise<BenchServer> {
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
