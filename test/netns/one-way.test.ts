/**
 * One-way partitions of a real 3-server ensemble (one server per network namespace) under a
 * steady write load: the leader can send but not receive (check-quorum must depose it), and
 * the leader can receive but not send (the followers must elect a new one). Either way the
 * old leader must stop acknowledging writes and the other two must go on.
 * Needs root; skips with the reason otherwise.
 */
import { after, before, describe, test } from 'node:test';
import { netnsSkipReason } from '../support/netns-cluster.js';
import { now } from '../support/netns-workload.js';
import { sleep } from '../support/server-process.js';
import {
  assertAcksVia,
  assertNoAcksVia,
  IN_FLIGHT_MS,
  othersThan,
  ScenarioEnv,
  waitFor,
  type FaultContext,
} from './scenario.js';

const skip = netnsSkipReason();
const HOLD_MS = 4_000;

type Direction = 'leader-cannot-receive' | 'leader-cannot-send';

async function oneWay(ctx: FaultContext, direction: Direction): Promise<void> {
  const { cluster, ensemble, load, leader, faultAt, log } = ctx;
  const followers = othersThan(ensemble.ids, leader);
  for (const follower of followers) {
    if (direction === 'leader-cannot-receive') await cluster.drop(follower, leader);
    else await cluster.drop(leader, follower);
  }
  const cutAt = now();
  log(
    `${direction}: leader ${leader}, followers ${followers.join(',')}; ` +
      `rules in place after ${Math.round(cutAt - faultAt)} ms`,
  );
  const next = await ensemble.waitForLeader(followers, 15_000);
  const electedAt = now();
  log(`new leader ${next} after ${Math.round(electedAt - cutAt)} ms`);
  await waitFor(
    `server ${leader} to stop leading`,
    async () => (await ensemble.state(leader))?.mode !== 'leader',
    10_000,
  );
  await sleep(HOLD_MS);
  assertNoAcksVia(load, ensemble.address(leader), cutAt + IN_FLIGHT_MS, 'sentAfter');
  assertAcksVia(
    load,
    followers.map((id) => ensemble.address(id)),
    electedAt,
    now(),
  );
}

describe('netns: one-way partitions', { skip, timeout: 240_000 }, () => {
  const env = new ScenarioEnv();
  before(() => env.setUp(), { timeout: 90_000 });
  after(() => env.tearDown(), { timeout: 60_000 });

  test('leader can send but not receive', { timeout: 120_000 }, () =>
    env.run('leader-cannot-receive', (ctx) => oneWay(ctx, 'leader-cannot-receive')),
  );

  test('leader can receive but not send', { timeout: 120_000 }, () =>
    env.run('leader-cannot-send', (ctx) => oneWay(ctx, 'leader-cannot-send')),
  );
});
