/**
 * The reconnect storm: a three-member Warren ensemble with the memory bound configured holds
 * many sessions with watches; the leader is SIGKILLed and at that moment every client drops
 * its connection and reconnects its session (to the next member, after ZooKeeper's random
 * 0..1 s) and re-registers its watches, as ZooKeeper's clients do when their follower drops
 * them for the election.
 * Measured: time until every session is back, sessions lost, survivors' memory and event-loop
 * delay, and the probe client's latency and writes.
 */
import { PROMETHEUS_PROVIDER } from '../src/config/config-operations.js';
import { freePort, LOOPBACK_HOST } from '../test/support/ports.js';
import { sleep } from '../test/support/server-process.js';
import { BenchEnsemble, type Member } from './ensemble-cluster.js';
import { measure, type LoadFigures } from './hostile-measure.js';
import type { Watched } from './hostile-monitor.js';
import { serverConfig, type HostOptions } from './hostile-server-config.js';
import { SessionWorkers } from './hostile-workers.js';

const SESSION_TIMEOUT_MS = 30_000;
const STORM_LIMIT_MS = 120_000;
const POLL_MS = 250;

export async function stormLoad(o: HostOptions): Promise<LoadFigures> {
  const metricsPorts = new Map<number, number>();
  for (const id of [1, 2, 3]) metricsPorts.set(id, await freePort());
  const ensemble = await BenchEnsemble.start('warren', {
    size: 3,
    tickTime: 2000,
    initLimit: 10,
    syncLimit: 5,
    zooKeeperHeapMb: 0,
    extraConfig: {
      ...serverConfig(o),
      'metricsProvider.className': PROMETHEUS_PROVIDER,
      'metricsProvider.httpHost': LOOPBACK_HOST,
    },
    memberConfig: (id) => ({ 'metricsProvider.httpPort': String(metricsPorts.get(id)) }),
  });
  try {
    const leader = (await ensemble.leader()) as Member;
    // Followers first: the probe starts on one, and is dropped like everyone else.
    const members = [...ensemble.members.filter((m) => m !== leader), leader];
    const watched: Watched[] = members.map((m) => ({
      pid: m.running?.pid ?? 0,
      metricsPort: metricsPorts.get(m.id) ?? 0,
    }));
    const endpoints = members.map((m) => ({ host: LOOPBACK_HOST, port: m.clientPort }));
    const alive = () => watched.filter((_, i) => members[i]?.running !== null);
    const sessions = o.stormSessions;
    const scale = `${sessions} sessions × ${o.stormWatchesPerSession} watches, 3 members`;
    return await measure('storm', scale, { watched, endpoints, alive }, async () => {
      const workers = await SessionWorkers.open({
        endpoints,
        sessions,
        workers: o.workers,
        timeoutMs: SESSION_TIMEOUT_MS,
        watchesPerSession: o.stormWatchesPerSession,
        watchPrefix: '/storm-watched',
      });
      const before = await workers.stats();
      await sleep(3000);
      const killedAt = Date.now();
      await ensemble.kill(leader);
      // Warren's followers keep their clients through a quick election (ZooKeeper's drop
      // them): make every client reconnect at once anyway, the worst case.
      await workers.storm();
      let stats = await workers.stats();
      while (Date.now() - killedAt < STORM_LIMIT_MS) {
        stats = await workers.stats();
        const settled = stats.reconnecting === 0 && stats.reconnects > 0;
        if (settled) break;
        await sleep(POLL_MS);
      }
      const stormMs = Date.now() - killedAt;
      await sleep(o.holdMs / 2);
      const newLeader = await ensemble.leader();
      stats = await workers.stats();
      return {
        notes: {
          sessions: before.open,
          watches: before.watches,
          reconnects: stats.reconnects,
          stillReconnecting: stats.reconnecting,
          expired: stats.expired,
          gaveUp: stats.gaveUp,
          maxReconnectMs: stats.maxReconnectMs,
          watchesNotRestored: stats.lostWatchEvents,
          allBackMs: stormMs,
          newLeader: newLeader?.id ?? 'none',
          killedLeader: leader.id,
        },
        release: () => workers.close(),
      };
    });
  } finally {
    await ensemble.stop();
  }
}
