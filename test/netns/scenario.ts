/**
 * The frame of every namespace fault test: one 3-host cluster and ensemble per test file; per
 * scenario a fresh write load under its own base path, a warm-up, the fault (which asserts
 * what must hold while it lasts), heal (always, even when the fault's assertions fail), a
 * recovery period, then the final checks (netns-checks.ts) and one summary line with the
 * stall: the longest gap between acknowledged writes.
 */
import assert from 'node:assert/strict';
import { finalChecks } from '../support/netns-checks.js';
import { NetnsCluster } from '../support/netns-cluster.js';
import { NetnsEnsemble } from '../support/netns-ensemble.js';
import { median, now, WriteLoad } from '../support/netns-workload.js';
import { sleep } from '../support/server-process.js';

export const TICK_TIME_MS = 500;
const CLIENTS = 6;
const WARMUP_MS = 1_500;
const RECOVERY_MS = 2_500;
/** Replies already under way when a fault starts may still arrive this late. */
export const IN_FLIGHT_MS = 1_000;

export interface FaultContext {
  cluster: NetnsCluster;
  ensemble: NetnsEnsemble;
  load: WriteLoad;
  /** The leader when the fault started. */
  leader: number;
  /** When the fault started (the load's clock, `now()`). */
  faultAt: number;
  log: (message: string) => void;
}

export type Fault = (ctx: FaultContext) => Promise<void>;

export class ScenarioEnv {
  private clusterRef: NetnsCluster | undefined;
  private ensembleRef: NetnsEnsemble | undefined;
  private scenarios = 0;

  get ensemble(): NetnsEnsemble {
    assert.ok(this.ensembleRef, 'the ensemble is not running');
    return this.ensembleRef;
  }

  async setUp(): Promise<void> {
    this.clusterRef = await NetnsCluster.up(3);
    this.ensembleRef = await NetnsEnsemble.start(this.clusterRef, { tickTime: TICK_TIME_MS });
  }

  async tearDown(): Promise<void> {
    try {
      await this.ensembleRef?.stop();
    } finally {
      await this.clusterRef?.down();
    }
  }

  /** Runs one scenario: load, fault, heal, recovery, final checks; prints its summary. */
  async run(name: string, fault: Fault): Promise<void> {
    const ensemble = this.ensemble;
    const cluster = ensemble.cluster;
    const seed = (Date.now() ^ (++this.scenarios << 20)) >>> 0;
    const log = (message: string) => console.log(`[${name}] ${message}`);
    const load = new WriteLoad(ensemble, `/${name}`, CLIENTS, seed);
    let started = now();
    let faultAt = started;
    let healedAt = started;
    try {
      await load.start();
      started = now();
      await sleep(WARMUP_MS);
      const leader = await ensemble.waitForLeader(ensemble.ids, 10_000);
      log(`seed ${seed}; leader ${leader}; ${load.acks.length} writes acknowledged in warm-up`);
      faultAt = now();
      try {
        await fault({ cluster, ensemble, load, leader, faultAt, log });
      } finally {
        await cluster.heal();
        await cluster.clearNetem();
        healedAt = now();
      }
      await sleep(RECOVERY_MS);
      assert.ok(
        load.acksBetween(healedAt, now()).length > 0,
        'no write was acknowledged after the heal',
      );
    } catch (error) {
      log(`failed: ${String(error)}\nserver logs:\n${ensemble.logTails()}`);
      throw error;
    } finally {
      await load.stop();
    }
    const stopped = now();
    const report = await finalChecks(ensemble, load);
    const stall = load.longestStall(faultAt, stopped);
    const latency = (from: number, to: number) =>
      Math.round(median(load.acksBetween(from, to).map((a) => a.latencyMs)));
    log(
      `stall ${Math.round(stall.ms)} ms (from +${Math.round(stall.at - faultAt)} ms after the ` +
        `fault started); ${load.acks.length} writes acked (${report.acked} unique creates), ` +
        `${report.operations} ops, ${report.unknown} unknown; median write latency ` +
        `${latency(started, faultAt)} ms before, ${latency(faultAt, healedAt)} ms during; ` +
        `zxid ${report.zxid}; linearizable ${String(report.linearizable)} ` +
        `(${report.steps} steps, ${report.checkMs} ms)`,
    );
  }
}

/**
 * No write may be acknowledged through `server` (host:port) after `from`. With `sentAfter`,
 * only writes sent after `from` count: a server that can still receive may learn late that
 * an entry it replicated before the fault was committed by the new leader, and answer it.
 */
export function assertNoAcksVia(
  load: WriteLoad,
  server: string,
  from: number,
  which: 'acked' | 'sentAfter' = 'acked',
): void {
  const via = load.acks.filter((a) => a.server === server && a.at > from);
  const late = which === 'acked' ? via : via.filter((a) => a.at - a.latencyMs > from);
  assert.equal(
    late.length,
    0,
    `${late.length} writes ${which === 'acked' ? '' : 'sent after the cut '}acknowledged ` +
      `via ${server} after it lost the majority, the first ` +
      `${Math.round((late[0]?.at ?? from) - from)} ms late`,
  );
}

/** Some writes are acknowledged via one of `servers` (host:port) between from and to. */
export function assertAcksVia(
  load: WriteLoad,
  servers: readonly string[],
  from: number,
  to: number,
): void {
  const acks = load.acksBetween(from, to).filter((a) => servers.includes(a.server));
  assert.ok(acks.length > 0, `no write acknowledged via ${servers.join(', ')} while it lasted`);
}

/** Polls `condition` every 100 ms until it holds; fails with `what` after timeoutMs. */
export async function waitFor(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting: ${what}`);
    await sleep(100);
  }
}

/** Followers this far behind the leader's log (in entries) count as caught up. */
export const CAUGHT_UP_LAG = 100;

/** True when the leader reports every follower within CAUGHT_UP_LAG entries of its log. */
export async function allCaughtUp(ensemble: NetnsEnsemble): Promise<boolean> {
  const states = await ensemble.states();
  const leader = ensemble.ids.find((id) => states.get(id)?.mode === 'leader');
  if (leader === undefined) return false;
  const metrics = await ensemble.metrics(leader);
  return othersThan(ensemble.ids, leader).every((id) => {
    const lag = metrics.get(`peer_${id}_lag`);
    return lag !== undefined && Number(lag) <= CAUGHT_UP_LAG;
  });
}

/** The ids other than `id`. */
export function othersThan(ids: readonly number[], ...excluded: number[]): number[] {
  return ids.filter((i) => !excluded.includes(i));
}
