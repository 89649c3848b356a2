/**
 * Delay and loss between the servers of a real 3-server ensemble (one server per network
 * namespace) under a steady write load: every server's packets are delayed (with jitter) and
 * some are lost. Writes must keep being acknowledged the whole time, just slower. Uses tc
 * netem where the kernel has it, else the toolkit's netem-lite (NFQUEUE, needs python3 and
 * br_netfilter). Needs root; skips with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { netemSkipReason, netnsSkipReason } from '../support/netns-cluster.js';
import { median, now } from '../support/netns-workload.js';
import { sleep } from '../support/server-process.js';
import { othersThan, ScenarioEnv } from './scenario.js';

const skip = netnsSkipReason() ?? netemSkipReason();
const DELAY_MS = 30;
const JITTER_MS = 10;
const LOSS_PERCENT = 5;
const WINDOWS = 3;
const WINDOW_MS = 2_000;

describe('netns: delay and loss', { skip, timeout: 240_000 }, () => {
  const env = new ScenarioEnv();
  before(() => env.setUp(), { timeout: 90_000 });
  after(() => env.tearDown(), { timeout: 60_000 });

  test(
    `delay ${DELAY_MS}±${JITTER_MS} ms everywhere, ${LOSS_PERCENT}% loss`,
    {
      timeout: 120_000,
    },
    () =>
      env.run('delay-loss', async ({ cluster, ensemble, load, leader, log }) => {
        for (const id of ensemble.ids) await cluster.delay(id, DELAY_MS, JITTER_MS);
        const lossy = othersThan(ensemble.ids, leader)[0] ?? 1;
        await cluster.loss(lossy, LOSS_PERCENT);
        await cluster.loss(leader, LOSS_PERCENT / 2);
        log(`delay on all, loss ${LOSS_PERCENT}% on ${lossy}, ${LOSS_PERCENT / 2}% on ${leader}`);
        const delayedFrom = now();
        for (let w = 1; w <= WINDOWS; w++) {
          const from = now();
          await sleep(WINDOW_MS);
          const acks = load.acksBetween(from, now());
          log(`window ${w}: ${acks.length} writes acknowledged`);
          assert.ok(acks.length > 0, `no write acknowledged in window ${w} of ${WINDOW_MS} ms`);
        }
        // A write sent under the fault crosses at least two delayed hops: a follower's ack to
        // the leader and the reply to the client.
        const sent = load.acks.filter((a) => a.at - a.latencyMs >= delayedFrom);
        const during = median(sent.map((a) => a.latencyMs));
        log(`median write latency ${Math.round(during)} ms (${sent.length} writes)`);
        assert.ok(
          during >= 2 * (DELAY_MS - JITTER_MS),
          `median write latency ${during} ms under delay is below two delayed hops`,
        );
      }),
  );
});
