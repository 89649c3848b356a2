/**
 * The servers `npm run bench:compare` measures, each started fresh with equivalent settings:
 * Apache ZooKeeper 3.8 (Debian's, -Xmx2g per JVM, forceSync on, maxClientCnxns=0) and Warren
 * (fsync on by default, no per-address connection cap and no session-creation rate limit, so the
 * idle and watch workloads may open their sessions as fast as against ZooKeeper), standalone or
 * as a 3-member ensemble on loopback (bench:ensemble's settings: tickTime=2000, initLimit=10,
 * syncLimit=5).
 */
import { startWarren } from '../test/support/warren-proc.js';
import { startZooKeeper } from '../test/support/zookeeper-ref.js';
import { BenchEnsemble } from './ensemble-cluster.js';
import { ZOOKEEPER_HEAP_MB } from './servers.js';

export const TOPOLOGIES = ['standalone', 'ensemble'] as const;
export type Topology = (typeof TOPOLOGIES)[number];
export type Contender = 'warren' | 'zookeeper';

/** What Warren needs to match ZooKeeper's maxClientCnxns=0 for thousands of bench sessions. */
export const WARREN_BENCH_CONFIG: Record<string, string> = {
  maxClientCnxns: '0',
  'warren.sessionsPerAddressMax': '100000',
  'warren.sessionCreateRatePerAddress': '100000',
};

const ENSEMBLE_SIZE = 3;

export interface Started {
  servers: string;
  pids: number[];
  stop(): Promise<void>;
}

export async function startContender(name: Contender, topology: Topology): Promise<Started> {
  if (topology === 'ensemble') {
    const ensemble = await BenchEnsemble.start(name, {
      size: ENSEMBLE_SIZE,
      tickTime: 2000,
      initLimit: 10,
      syncLimit: 5,
      zooKeeperHeapMb: ZOOKEEPER_HEAP_MB,
      ...(name === 'warren' ? { extraConfig: WARREN_BENCH_CONFIG } : {}),
    });
    return {
      servers: ensemble.connectString,
      pids: ensemble.pids,
      stop: () => ensemble.stop(),
    };
  }
  const running =
    name === 'zookeeper'
      ? await startZooKeeper({ heapMb: ZOOKEEPER_HEAP_MB })
      : await startWarren({ config: WARREN_BENCH_CONFIG });
  return {
    servers: `${running.host}:${running.port}`,
    pids: [running.pid],
    stop: () => running.stop(),
  };
}
