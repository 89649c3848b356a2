/**
 * A frozen leader: SIGSTOP keeps its process and sockets but it answers nothing, so unlike a
 * kill nobody sees refused connections; the followers must notice the silence (election
 * timeout) and elect another leader, which renews every session, so sessions outlive a
 * freeze longer than their timeout. Clients on the frozen member move away on their own read
 * timeout. After SIGCONT the old leader must step down (its term is stale), discard what it
 * had not committed and catch up, with every acknowledged write kept.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { sleep } from '../support/server-process.js';
import { srvrView, waitConverged } from './support/converge.js';
import { sharedEnsemble, SUITE_TIMEOUT_MS } from './support/harness.js';
import { WriteLoad } from './support/load.js';

/** The sessions' timeout; the freeze lasts longer than it and than the election timeout. */
const SESSION_TIMEOUT_MS = 3_000;
const FREEZE_MS = 2 * SESSION_TIMEOUT_MS;
describe('stall: SIGSTOP the leader', { timeout: SUITE_TIMEOUT_MS }, () => {
  const ensemble = sharedEnsemble({ size: 3 });

  it('elects another leader, keeps sessions, and the old one steps down', async (t) => {
    const ens = ensemble();
    const load = await WriteLoad.start(ens, {
      writers: 6,
      root: '/stall',
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
    });
    try {
      await load.progress(90);
      const old = await ens.leader();
      const frozenAt = performance.now();
      await ens.stop(old.id);
      const leader = await ens.leader(10_000);
      const electedMs = performance.now() - frozenAt;
      assert.notEqual(leader.id, old.id);
      await load.progress(90);
      // The point is the freeze's length: past the session timeout, nothing to await.
      await sleep(Math.max(0, frozenAt + FREEZE_MS - performance.now()));
      await load.progress(30);
      await ens.cont(old.id);
      const after = await ens.leader();
      assert.equal(after.id, leader.id, 'the leader elected during the freeze stays');
      t.diagnostic(
        `server ${old.id} frozen ${FREEZE_MS} ms; server ${leader.id} agreed leader after ` +
          `${electedMs.toFixed(0)} ms; longest write stall ` +
          `${load.longestStallAfter(frozenAt).toFixed(0)} ms`,
      );
      await load.progress(90);
      await load.stop();
      await waitConverged(ens);
      assert.equal((await srvrView(ens, old.id)).mode, 'follower', 'the old leader steps down');
      await load.verify();
    } finally {
      await load.close();
    }
  });
});
