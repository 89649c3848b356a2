/**
 * Restarts: a rolling restart (each member stopped gracefully and started again on its data,
 * the leader last) under a light load loses no acknowledged write and no session; SIGKILLing
 * the whole ensemble and starting it again brings back everything acknowledged; and a
 * follower frozen while the leader moves far ahead catches up from the leader's snapshot.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import type { Ensemble } from '../support/ensemble-proc.js';
import { waitConverged } from './support/converge.js';
import { clientOn, SUITE_TIMEOUT_MS, withEnsemble } from './support/harness.js';
import { WriteLoad } from './support/load.js';

/**
 * The leader keeps 5000 entries behind each snapshot for lagging followers
 * (raftRetainEntriesDefault in src/util/limits.ts): only a follower further behind than
 * that needs the snapshot itself.
 */
const LAG_WRITES = 6_000;
const PIPELINE = 200;

describe('restart', { timeout: SUITE_TIMEOUT_MS }, () => {
  it('survives a rolling restart under light load, leader last', async (t) => {
    await withEnsemble({ size: 3 }, async (ens) => {
      const load = await WriteLoad.start(ens, { writers: 3, root: '/rolling', pauseMs: 10 });
      try {
        await load.progress(30);
        const leader = await ens.leader();
        const order = [...ens.others(leader.id).map((s) => s.id), leader.id];
        for (const id of order) {
          await ens.restart(id);
          await load.progress(30);
        }
        t.diagnostic(`restarted ${order.join(', ')}; now led by ${(await ens.leader()).id}`);
        await load.stop();
        await waitConverged(ens);
        await load.verify();
      } finally {
        await load.close();
      }
    });
  });

  it('brings back every acknowledged write after SIGKILLing all members', async () => {
    await withEnsemble({ size: 3 }, async (ens) => {
      const load = await WriteLoad.start(ens, { writers: 3, root: '/all-down' });
      try {
        await load.progress(150);
        await Promise.all(ens.servers.map((s) => ens.kill(s.id)));
        for (const s of ens.servers) ens.start(s.id);
        await ens.ready();
        await load.progress(60);
        await load.stop();
        await waitConverged(ens);
        await load.verify();
      } finally {
        await load.close();
      }
    });
  });

  it('catches up a frozen follower from a snapshot (snapCount=100)', async (t) => {
    await withEnsemble({ size: 3, config: { snapCount: '100' } }, async (ens) => {
      const leader = await ens.leader();
      const lagging = ens.others(leader.id)[0];
      assert.ok(lagging !== undefined);
      const writer = await clientOn(ens, leader.id);
      try {
        await writer.create('/lag');
        await ens.stop(lagging.id);
        await writeMany(writer, LAG_WRITES);
        await ens.cont(lagging.id);
        const views = await waitConverged(ens, 60_000);
        t.diagnostic(`converged at ${views.get(leader.id)?.zxid ?? '?'}`);
      } finally {
        await writer.close();
      }
      assert.match(ens.log(lagging.id), /installed a snapshot/);
      const expected = await treeUnder(ens, leader.id);
      assert.equal(expected.size, LAG_WRITES);
      assert.deepEqual(await treeUnder(ens, lagging.id), expected);
    });
  });
});

/** Creates /lag/n0 … with data `v<i>`, PIPELINE requests in flight at a time. */
async function writeMany(client: ZooKeeperClient, count: number): Promise<void> {
  for (let base = 0; base < count; base += PIPELINE) {
    const batch: Promise<string>[] = [];
    for (let i = base; i < Math.min(count, base + PIPELINE); i++) {
      batch.push(client.create(`/lag/n${i}`, { data: `v${i}` }));
    }
    await Promise.all(batch);
  }
}

/** name → data of every child of /lag, as one member alone serves them. */
async function treeUnder(ens: Ensemble, id: number): Promise<Map<string, string>> {
  const client = await clientOn(ens, id, { only: true });
  try {
    const names = (await client.getChildren('/lag')).sort();
    const tree = new Map<string, string>();
    for (let i = 0; i < names.length; i += PIPELINE) {
      const batch = names.slice(i, i + PIPELINE);
      const datas = await Promise.all(batch.map((n) => client.getData(`/lag/${n}`)));
      batch.forEach((n, j) => tree.set(n, datas[j]?.data?.toString() ?? ''));
    }
    return tree;
  } finally {
    await client.close();
  }
}
