/**
 * Partitions of a real 3-server ensemble (one server per network namespace) under a steady
 * write load: random halves, several rounds in a row (the minority server must stop
 * acknowledging writes, the majority must elect a leader and go on), and Jepsen's bridge
 * (one server sees both halves, the halves do not see each other), with the leader at an end
 * and then in the middle. Needs root; skips with the reason otherwise.
 */
import { after, before, describe, test } from 'node:test';
import { netnsSkipReason } from '../support/netns-cluster.js';
import { now } from '../support/netns-workload.js';
import { Prng } from '../support/prng.js';
import { sleep } from '../support/server-process.js';
import {
  allCaughtUp,
  assertAcksVia,
  assertNoAcksVia,
  IN_FLIGHT_MS,
  othersThan,
  ScenarioEnv,
  waitFor,
  type FaultContext,
} from './scenario.js';

const skip = netnsSkipReason();
const ROUNDS = 3;
const ROUND_HOLD_MS = 3_000;
const ROUND_GAP_MS = 1_500;
const CATCH_UP_MS = 30_000;
const BRIDGE_HOLD_MS = 4_000;

function shuffled(prng: Prng, ids: readonly number[]): number[] {
  const out = [...ids];
  for (let i = out.length - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [out[i], out[j]] = [out[j] ?? 0, out[i] ?? 0];
  }
  return out;
}

async function randomHalves(ctx: FaultContext): Promise<void> {
  const { cluster, ensemble, load, log } = ctx;
  const prng = new Prng(load.seed ^ 0x5bd1e995);
  for (let round = 1; round <= ROUNDS; round++) {
    const [minority, ...majority] = shuffled(prng, ensemble.ids);
    if (minority === undefined) throw new Error('no servers');
    log(`round ${round}: ${minority} | ${majority.join(',')}`);
    await cluster.partition([minority], majority);
    const cutAt = now();
    const leader = await ensemble.waitForLeader(majority, 15_000);
    const electedAt = now();
    await sleep(ROUND_HOLD_MS);
    log(`round ${round}: majority leader ${leader} after ${Math.round(electedAt - cutAt)} ms`);
    assertNoAcksVia(load, ensemble.address(minority), cutAt + IN_FLIGHT_MS);
    assertAcksVia(
      load,
      majority.map((id) => ensemble.address(id)),
      electedAt,
      now(),
    );
    await cluster.heal();
    const healedAt = now();
    await sleep(ROUND_GAP_MS);
    // The next round's majority may need this round's minority: wait until it has caught up
    // (a stalled peer link can take seconds to recover; see isolation.test.ts).
    await waitFor('every follower to catch up', () => allCaughtUp(ensemble), CATCH_UP_MS);
    log(`round ${round}: all caught up ${Math.round(now() - healedAt)} ms after the heal`);
  }
}

/** A bridge through `order[1]`; asserts that writes go on in the second half of the hold. */
async function bridge(ctx: FaultContext, order: readonly number[]): Promise<void> {
  const { cluster, ensemble, load, log } = ctx;
  log(`bridge ${order.join(' | ')} (leader ${ctx.leader})`);
  await cluster.bridge(order);
  await sleep(BRIDGE_HOLD_MS / 2);
  const leader = await ensemble.waitForLeader(ensemble.ids, 10_000);
  const from = now();
  await sleep(BRIDGE_HOLD_MS / 2);
  assertAcksVia(
    load,
    ensemble.ids.map((id) => ensemble.address(id)),
    from,
    now(),
  );
  log(`leader during the bridge: ${leader}`);
}

describe('netns: partitions', { skip, timeout: 240_000 }, () => {
  const env = new ScenarioEnv();
  before(() => env.setUp(), { timeout: 90_000 });
  after(() => env.tearDown(), { timeout: 60_000 });

  test(`random halves, ${ROUNDS} rounds`, { timeout: 120_000 }, () =>
    env.run('random-halves', randomHalves),
  );

  test('bridge with the leader at one end', { timeout: 120_000 }, () =>
    env.run('bridge-leader-end', (ctx) => {
      const [a, b] = othersThan(ctx.ensemble.ids, ctx.leader);
      return bridge(ctx, [ctx.leader, a ?? 0, b ?? 0]);
    }),
  );

  test('bridge with the leader in the middle', { timeout: 120_000 }, () =>
    env.run('bridge-leader-middle', (ctx) => {
      const [a, b] = othersThan(ctx.ensemble.ids, ctx.leader);
      return bridge(ctx, [a ?? 0, ctx.leader, b ?? 0]);
    }),
  );
});
