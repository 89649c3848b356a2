/**
 * Failover under load: SIGKILL the leader (or a follower) of a 3-member ensemble while
 * sessions on every member keep writing. A new leader must be agreed within a bound, every
 * acknowledged write must be on every member afterwards, the recorded history must be
 * linearizable, and sessions must survive: same id, ephemerals kept, and a data watch set
 * before the kill fires for a change made after it. A killed member restarted on its data
 * rejoins as a follower and catches up.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import type { WatchedEvent } from '../../src/client/index.js';
import { nextEvent, within } from '../client/support.js';
import { allUp, clientOn, sharedEnsemble, SUITE_TIMEOUT_MS } from './support/harness.js';
import { srvrView, waitConverged } from './support/converge.js';
import { WriteLoad } from './support/load.js';

const ELECTION_BOUND_MS = 10_000;
const WATCH_WAIT_MS = 15_000;

describe('failover: SIGKILL under load', { timeout: SUITE_TIMEOUT_MS }, () => {
  const ensemble = sharedEnsemble({ size: 3 });

  it('replaces a killed leader; no acked write lost; sessions and watches survive', async (t) => {
    const ens = ensemble();
    const load = await WriteLoad.start(ens, { writers: 6, root: '/fo-leader' });
    try {
      await load.progress(150);
      const watches = await Promise.all(
        load.clients.map(async (c) => {
          const { watch, event } = nextEvent();
          await c.getData('/fo-leader/watched', { watch });
          return { event }; // wrapped: an async function returning a promise would await it
        }),
      );
      const old = await ens.leader();
      const killedAt = performance.now();
      await ens.kill(old.id);
      const leader = await ens.leader(ELECTION_BOUND_MS);
      const electedMs = performance.now() - killedAt;
      assert.notEqual(leader.id, old.id);
      await load.progress(300);
      t.diagnostic(
        `server ${old.id} killed; server ${leader.id} agreed leader after ${electedMs.toFixed(0)}` +
          ` ms; longest write stall ${load.longestStallAfter(killedAt).toFixed(0)} ms`,
      );
      assert.ok(electedMs < ELECTION_BOUND_MS);

      const admin = await clientOn(ens, leader.id);
      await admin.setData('/fo-leader/watched', 'after the kill');
      await admin.close();
      const events = Promise.all(watches.map((w) => w.event));
      const fired = await within(events, WATCH_WAIT_MS, 'the watches set before the kill');
      fired.forEach((e: WatchedEvent) => {
        assert.deepEqual(e, { type: 'NodeDataChanged', path: '/fo-leader/watched' });
      });

      await load.stop();
      await load.verify();
      t.diagnostic(`${load.recorder.size} operations checked, ${load.acked.size} creates acked`);

      ens.start(old.id);
      await ens.ready();
      const views = await waitConverged(ens);
      assert.equal(views.get(old.id)?.mode, 'follower', 'the old leader rejoins as a follower');
      await load.verify();
    } finally {
      await load.close();
    }
  });

  it('keeps serving when a follower is killed; it catches up when back', async (t) => {
    const ens = ensemble();
    await allUp(ens);
    const load = await WriteLoad.start(ens, { writers: 6, root: '/fo-follower' });
    try {
      await load.progress(150);
      const leader = await ens.leader();
      const follower = ens.others(leader.id)[0];
      assert.ok(follower !== undefined);
      const killedAt = performance.now();
      await ens.kill(follower.id);
      await load.progress(300);
      assert.equal((await ens.leader()).id, leader.id, 'the leader stays');
      t.diagnostic(
        `follower ${follower.id} killed; longest write stall ` +
          `${load.longestStallAfter(killedAt).toFixed(0)} ms`,
      );
      ens.start(follower.id);
      await ens.ready();
      await load.progress(150);
      await load.stop();
      await waitConverged(ens);
      assert.equal((await srvrView(ens, follower.id)).mode, 'follower');
      await load.verify();
    } finally {
      await load.close();
    }
  });
});
