/**
 * Isolation faults on a real 3-server ensemble, one server per network namespace, under a
 * steady write load: the leader cut off in the minority (it must stop acknowledging writes,
 * drop its clients, and a new leader must serve the majority), and one follower cut off
 * (writes go on); and how soon a follower healed after a partition catches up (the old TCP
 * connections are stuck in retransmission backoff, so members must redial). Needs root;
 * skips with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { netnsSkipReason } from '../support/netns-cluster.js';
import { now } from '../support/netns-workload.js';
import { sleep } from '../support/server-process.js';
import {
  allCaughtUp,
  assertAcksVia,
  assertNoAcksVia,
  IN_FLIGHT_MS,
  othersThan,
  ScenarioEnv,
  waitFor,
} from './scenario.js';

const skip = netnsSkipReason();
const HOLD_MS = 4_000;
/** Check-quorum steps the leader down after one election timeout; the rest is slack. */
const DROP_CLIENTS_WITHIN_MS = 8_000;
/** Long enough for the kernel's retransmission backoff on a stalled peer link to reach ~6 s. */
const REJOIN_HOLD_MS = 7_000;
/** A heartbeat, a reconnect (backoff at most 1 s) and catch-up fit easily. */
/**
 * A healed follower must be caught up well before the kernel's retransmission backoff on
 * the old connections (6.5 s and growing after a 7 s partition) would have let it: members
 * redial a peer that went silent (member.checkLinks), and a dial is redone every second.
 */
const REJOIN_WITHIN_MS = 5_000;

describe('netns: isolation', { skip, timeout: 240_000 }, () => {
  const env = new ScenarioEnv();
  before(() => env.setUp(), { timeout: 90_000 });
  after(() => env.tearDown(), { timeout: 60_000 });

  test('leader isolated in the minority', { timeout: 120_000 }, () =>
    env.run('leader-isolated', async ({ cluster, ensemble, load, leader, faultAt, log }) => {
      const oldLeader = ensemble.address(leader);
      const onLeader = load.clientsOn(oldLeader);
      log(`isolating leader ${leader}; clients on it: ${onLeader.join(',') || 'none'}`);
      await cluster.isolate(leader);
      const cutAt = now();
      const majority = othersThan(ensemble.ids, leader);
      const next = await ensemble.waitForLeader(majority, 15_000);
      const electedAt = now();
      log(
        `new leader ${next} ${Math.round(electedAt - cutAt)} ms after the cut ` +
          `(made in ${Math.round(cutAt - faultAt)} ms)`,
      );
      await waitFor(
        `server ${leader} to stop leading`,
        async () => (await ensemble.state(leader))?.mode !== 'leader',
        10_000,
      );
      await sleep(HOLD_MS);
      assertNoAcksVia(load, oldLeader, cutAt + IN_FLIGHT_MS);
      assertAcksVia(
        load,
        majority.map((id) => ensemble.address(id)),
        electedAt,
        now(),
      );
      for (const client of onLeader) {
        const dropped = load.disconnects.find(
          (d) => d.clientId === client && d.server === oldLeader && d.at >= faultAt,
        );
        assert.ok(dropped, `client ${client} was never disconnected from the old leader`);
        const after = Math.round(dropped.at - cutAt);
        log(`client ${client} dropped by the old leader ${after} ms after the isolation`);
        assert.ok(
          after <= DROP_CLIENTS_WITHIN_MS,
          `client ${client} dropped only after ${after} ms`,
        );
      }
    }),
  );

  test('one follower isolated', { timeout: 120_000 }, () =>
    env.run('follower-isolated', async ({ cluster, ensemble, load, leader, log }) => {
      const follower = othersThan(ensemble.ids, leader)[0] ?? 1;
      const cutOff = ensemble.address(follower);
      log(`isolating follower ${follower}`);
      await cluster.isolate(follower);
      const cutAt = now();
      await sleep(HOLD_MS);
      assertNoAcksVia(load, cutOff, cutAt + IN_FLIGHT_MS);
      const majority = othersThan(ensemble.ids, follower);
      const holdStart = now() - HOLD_MS / 2;
      assertAcksVia(
        load,
        majority.map((id) => ensemble.address(id)),
        holdStart,
        now(),
      );
      const lead = await ensemble.waitForLeader(majority, 10_000);
      log(`leader during the isolation: ${lead} (was ${leader})`);
    }),
  );

  test(
    `a follower healed after ${REJOIN_HOLD_MS} ms catches up within ${REJOIN_WITHIN_MS} ms`,
    { timeout: 120_000 },
    () =>
      env.run('follower-rejoins', async ({ cluster, ensemble, leader, log }) => {
        const follower = othersThan(ensemble.ids, leader)[0] ?? 1;
        await cluster.isolate(follower);
        await sleep(REJOIN_HOLD_MS);
        await cluster.heal();
        const healedAt = now();
        await waitFor(
          `follower ${follower} to catch up after the heal`,
          () => allCaughtUp(ensemble),
          REJOIN_WITHIN_MS,
        );
        log(`follower ${follower} caught up ${Math.round(now() - healedAt)} ms after the heal`);
      }),
  );
});
