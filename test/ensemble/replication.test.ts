/**
 * Replication in a healthy ensemble: a write taken by any member (followers forward to the
 * leader) is readable on every member after a sync; a session reads its own writes on a
 * follower without a sync; sequential names stay unique when sessions on different members
 * create concurrently; srvr and mntr name one leader and the rest followers (observers as
 * observers); and a 5-member ensemble with an observer does the same.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import type { Ensemble } from '../support/ensemble-proc.js';
import { srvrView } from './support/converge.js';
import { clientOn, closeAll, sharedEnsemble, SUITE_TIMEOUT_MS } from './support/harness.js';

const OWN_WRITE_ROUNDS = 50;
const SEQUENTIAL_PER_SESSION = 30;

/** One client per member, each on that member alone. */
async function clientPerMember(ens: Ensemble): Promise<ZooKeeperClient[]> {
  return Promise.all(ens.servers.map((s) => clientOn(ens, s.id, { only: true })));
}

/** Every member's client creates `${root}/from-<id>`; every member then reads them all. */
async function writesReadableEverywhere(ens: Ensemble, root: string): Promise<void> {
  const clients = await clientPerMember(ens);
  try {
    await clients[0]?.create(root);
    await Promise.all(
      clients.map((c, i) => c.create(`${root}/from-${i + 1}`, { data: `by ${i + 1}` })),
    );
    for (const [i, reader] of clients.entries()) {
      await reader.sync(root);
      for (const s of ens.servers) {
        const { data } = await reader.getData(`${root}/from-${s.id}`);
        assert.equal(data?.toString(), `by ${s.id}`, `server ${i + 1} reads from-${s.id}`);
      }
    }
  } finally {
    await closeAll(clients);
  }
}

/** srvr and mntr agree on each member's mode; returns id → mode. */
async function modes(ens: Ensemble): Promise<Map<number, string>> {
  await ens.leader();
  const result = new Map<number, string>();
  for (const s of ens.servers) {
    const { mode } = await srvrView(ens, s.id);
    const status = await ens.status(s.id);
    assert.equal(status.get('server_state'), mode, `server ${s.id}: mntr and srvr agree`);
    result.set(s.id, mode);
  }
  return result;
}

function countModes(byId: Map<number, string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const mode of byId.values()) counts[mode] = (counts[mode] ?? 0) + 1;
  return counts;
}

describe('replication: 3 members', { timeout: SUITE_TIMEOUT_MS }, () => {
  const ensemble = sharedEnsemble({ size: 3 });

  it('makes a write through any member readable on all after sync', async () => {
    await writesReadableEverywhere(ensemble(), '/any');
  });

  it('lets a session read its own write on a follower without sync', async () => {
    const ens = ensemble();
    const leader = await ens.leader();
    const followers = ens.others(leader.id);
    const clients = await Promise.all(followers.map((f) => clientOn(ens, f.id, { only: true })));
    try {
      await clients[0]?.create('/own');
      await Promise.all(
        clients.map(async (c, i) => {
          const path = `/own/f${i}`;
          await c.create(path, { data: '0' });
          for (let round = 1; round <= OWN_WRITE_ROUNDS; round++) {
            const written = await c.setData(path, String(round));
            const { data, stat } = await c.getData(path);
            assert.equal(data?.toString(), String(round), `${path} round ${round}`);
            assert.equal(stat.version, written.version);
          }
        }),
      );
    } finally {
      await closeAll(clients);
    }
  });

  it('keeps sequential names unique across members', async () => {
    const ens = ensemble();
    const clients = await clientPerMember(ens);
    try {
      await clients[0]?.create('/seq');
      const made = await Promise.all(
        clients.map((c, i) =>
          Promise.all(
            Array.from({ length: SEQUENTIAL_PER_SESSION }, () =>
              c.create(`/seq/s${i}-`, { mode: 'persistentSequential' }),
            ),
          ),
        ),
      );
      const names = made.flat().map((p) => p.slice('/seq/'.length));
      const counters = names.map((n) => n.slice(-10));
      assert.equal(new Set(counters).size, names.length, 'sequence numbers are unique');
      for (const c of clients) {
        await c.sync('/seq');
        assert.deepEqual((await c.getChildren('/seq')).sort(), [...names].sort());
      }
    } finally {
      await closeAll(clients);
    }
  });

  it('reports one leader and the rest followers in srvr and mntr', async () => {
    const ens = ensemble();
    const byId = await modes(ens);
    assert.deepEqual(countModes(byId), { leader: 1, follower: 2 });
    const leader = await ens.leader();
    const status = await ens.status(leader.id);
    assert.equal(status.get('learners'), '2');
    assert.equal(status.get('synced_followers'), '2');
    for (const f of ens.others(leader.id)) {
      assert.equal((await ens.status(f.id)).get('leader_id'), String(leader.id));
    }
  });
});

describe('replication: 5 members and an observer', { timeout: SUITE_TIMEOUT_MS }, () => {
  const ensemble = sharedEnsemble({ size: 5, observers: 1 });

  it('names the observer an observer and replicates through every member', async () => {
    const ens = ensemble();
    const byId = await modes(ens);
    assert.deepEqual(countModes(byId), { leader: 1, follower: 4, observer: 1 });
    assert.equal(byId.get(6), 'observer', 'server 6 has the :observer line');
    const leader = await ens.leader();
    const status = await ens.status(leader.id);
    assert.equal(status.get('synced_followers'), '4');
    assert.equal(status.get('synced_non_voting_followers'), '1');
    await writesReadableEverywhere(ens, '/five');
  });
});
