/**
 * The short form of the fault campaign (test/faults, `npm run test:faults`): a 5-member
 * ensemble, one member per network namespace, and four fixed plans with every workload and
 * checker, in under three minutes. Needs root; skips with the reason otherwise.
 * FAULTS_SEED replays a failed run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCampaign } from '../faults/campaign.js';
import { totalsLine } from '../faults/report.js';
import { netnsSkipReason } from '../support/netns-cluster.js';

const skip = netnsSkipReason();
const PLANS = ['leader-minority', 'kill-minority+one-way', 'kill-all', 'pause-leader'];
/** About 100 s on a 2-core machine; a slow run skips the last plans rather than overrun. */
const TIME_BOUND_MS = 165_000;

describe('netns: fault campaign (short form)', { skip, timeout: 240_000 }, () => {
  test(`${PLANS.join(', ')}: no violations`, { timeout: 230_000 }, async () => {
    const seed = Number(process.env.FAULTS_SEED ?? Date.now() % 2 ** 31) >>> 0;
    const totals = await runCampaign({
      seed,
      timeBoundMs: TIME_BOUND_MS,
      scenarios: PLANS,
      log: (line) => console.log(line),
    });
    console.log(totalsLine(totals));
    assert.ok(totals.scenarios >= 2, `only ${totals.scenarios} of the plans ran in time`);
    assert.equal(totals.violations, 0, `violations; reports: ${totals.reports.join(' ')}`);
  });
});
