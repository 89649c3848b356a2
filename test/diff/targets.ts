/**
 * Which two servers a differential run compares, and how they are started. The reference is
 * always Apache ZooKeeper 3.8 (extended types on, container/TTL reaper effectively off, no
 * fsync). The candidate is Warren (WARREN_DIFF_TARGET=warren, the default) or a second
 * ZooKeeper (WARREN_DIFF_TARGET=zookeeper), which validates the harness itself: two
 * ZooKeepers must never differ. Warren gets the same settings through a zoo.cfg.
 */
import {
  startZooKeeper,
  zooKeeperAvailable,
  ZOOKEEPER_UNAVAILABLE_REASON,
} from '../support/zookeeper-ref.js';
import { startWarren, warrenBuilt, WARREN_NOT_BUILT_REASON } from '../support/warren-proc.js';
import { makeOwnedDir, type RunningServer } from '../support/server-process.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type DiffTarget = 'warren' | 'zookeeper';

export function diffTarget(): DiffTarget {
  const t = process.env.WARREN_DIFF_TARGET ?? 'warren';
  if (t !== 'warren' && t !== 'zookeeper') {
    throw new Error(`WARREN_DIFF_TARGET must be warren or zookeeper, not ${t}`);
  }
  return t;
}

/** Why the differential tests cannot run here, or false when they can. */
export function skipReason(): string | false {
  if (!zooKeeperAvailable()) return ZOOKEEPER_UNAVAILABLE_REASON;
  if (diffTarget() === 'warren' && !warrenBuilt()) return WARREN_NOT_BUILT_REASON;
  return false;
}

/** Session timeout asked for by every client: well inside both servers' [min, max]. */
export const SESSION_TIMEOUT_MS = 30_000;
const DAY_MS = 24 * 3600 * 1000;

export interface ServerPair {
  reference: RunningServer;
  candidate: RunningServer;
  names: { reference: string; candidate: string };
  stop(): Promise<void>;
}

function startReference(): Promise<RunningServer> {
  return startZooKeeper({
    extendedTypes: true,
    containerCheckIntervalMs: DAY_MS,
    tickTime: 2000,
    extraConfig: { forceSync: 'no' },
  });
}

/**
 * Warren reads the same settings from a zoo.cfg (--config; the launcher's --port, --host and
 * --data-dir flags override it). WARREN_DIFF_WARREN_ARGS adds more CLI arguments.
 */
function warrenArgs(): string[] {
  const dir = makeOwnedDir('warren-diff-cfg-');
  const cfg = join(dir, 'zoo.cfg');
  const lines = [
    'tickTime=2000',
    `dataDir=${join(dir, 'unused')}`,
    'extendedTypesEnabled=true',
    `znode.container.checkIntervalMs=${DAY_MS}`,
  ];
  writeFileSync(cfg, lines.join('\n') + '\n');
  const extra = process.env.WARREN_DIFF_WARREN_ARGS;
  const more = extra === undefined || extra.trim() === '' ? [] : extra.trim().split(/\s+/);
  return ['--config', cfg, ...more];
}

export async function startPair(): Promise<ServerPair> {
  const target = diffTarget();
  const started = await Promise.allSettled([
    startReference(),
    target === 'warren' ? startWarren({ args: warrenArgs() }) : startReference(),
  ]);
  const [a, b] = started;
  if (a.status !== 'fulfilled' || b.status !== 'fulfilled') {
    for (const s of started) if (s.status === 'fulfilled') await s.value.stop();
    const why = started.map((s) => (s.status === 'rejected' ? String(s.reason) : ''));
    throw new Error(`could not start the servers:\n${why.join('\n')}`);
  }
  const reference = a.value;
  const candidate = b.value;
  return {
    reference,
    candidate,
    names: {
      reference: `zookeeper@${reference.port}`,
      candidate: `${target}@${candidate.port}`,
    },
    async stop() {
      await Promise.all([reference.stop(), candidate.stop()]);
    },
  };
}

/** The env prefix that selects the same target (and waivers) in a replay command. */
export function targetEnv(): string {
  const waive = process.env.WARREN_DIFF_WAIVE ?? '';
  return (
    (diffTarget() === 'zookeeper' ? 'WARREN_DIFF_TARGET=zookeeper ' : '') +
    (waive === '' ? '' : `WARREN_DIFF_WAIVE=${waive} `)
  );
}
