// Proves LeaderLatch against Apache ZooKeeper 3.8 and Warren: of six participants exactly one
// leads, and as leaders leave one by one the next in line takes over with a larger fencing
// token; with every participant behind a proxy that cuts connections at random, no two
// participants ever lead at once (checked at every isLeader event) and one leads once the
// cuts stop; and a leader whose session is forced to expire has lost leadership before
// another participant gains it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { LeaderLatch } from '../../src/recipes/index.js';
import type { RunningServer } from '../support/server-process.js';
import { targetSkipReason, TARGETS } from '../support/targets.js';
import {
  closeAll,
  connect,
  connectMany,
  connectProxied,
  forceExpiry,
  randomMs,
  SHORT_SESSION_MS,
  sleep,
  startRecipeTarget,
  waitFor,
  type ProxiedClient,
} from './support.js';

function leaders(latches: readonly LeaderLatch[]): LeaderLatch[] {
  return latches.filter((l) => l.hasLeadership);
}

for (const target of TARGETS) {
  describe(`LeaderLatch against ${target}`, { skip: targetSkipReason(target) }, () => {
    let server: RunningServer;
    let direct: ZooKeeperClient;
    before(async () => {
      server = await startRecipeTarget(target);
      direct = await connect(server.connectString);
    });
    after(async () => {
      await direct?.close();
      await server?.stop();
    });

    it('elects exactly one leader, then the next as each leaves', async () => {
      const clients = await connectMany(server.connectString, 6);
      const latches = clients.map((c, i) => new LeaderLatch(c, '/election/a', { id: `p${i}` }));
      try {
        await Promise.all(latches.map((l) => l.start()));
        let lastToken = -1;
        let remaining = [...latches];
        while (remaining.length > 0) {
          await waitFor(() => leaders(remaining).length === 1, 'one leader');
          const [leader] = leaders(remaining);
          assert.equal(leaders(remaining).length, 1);
          assert.ok(leader!.grant!.fencingToken > lastToken);
          lastToken = leader!.grant!.fencingToken;
          const ids = await leader!.participants();
          assert.equal(ids.length, remaining.length);
          assert.equal(ids[0], `p${latches.indexOf(leader!)}`);
          await leader!.close();
          assert.equal(leader!.hasLeadership, false);
          remaining = remaining.filter((l) => l !== leader);
        }
      } finally {
        await closeAll(clients);
      }
    });

    it('never has two leaders while connections are cut at random', async () => {
      const proxied: ProxiedClient[] = [];
      for (let i = 0; i < 5; i++) proxied.push(await connectProxied(server.port));
      const latches = proxied.map((p) => new LeaderLatch(p.client, '/election/c'));
      let doubleLeaders = 0;
      let elections = 0;
      for (const latch of latches) {
        latch.on('isLeader', () => {
          elections++;
          if (leaders(latches).length > 1) doubleLeaders++;
        });
      }
      try {
        await Promise.all(latches.map((l) => l.start()));
        for (let i = 0; i < 40; i++) {
          await sleep(20 + randomMs(40));
          proxied[randomMs(proxied.length)]!.proxy.cut();
        }
        await waitFor(() => leaders(latches).length === 1, 'one leader after the cuts');
        assert.equal(doubleLeaders, 0);
        assert.ok(elections >= 1);
        await Promise.all(latches.map((l) => l.close()));
      } finally {
        for (const p of proxied) await p.close();
      }
    });

    it('a leader whose session expires loses leadership before another gains it', async () => {
      const first = await connectProxied(server.port, { sessionTimeoutMs: SHORT_SESSION_MS });
      const second = await connect(server.connectString);
      const a = new LeaderLatch(first.client, '/election/exp');
      const b = new LeaderLatch(second, '/election/exp');
      const errors: Error[] = [];
      a.on('error', (e) => errors.push(e));
      try {
        await a.start();
        const grantA = await a.waitForLeadership({ timeoutMs: 5_000 });
        await b.start();
        let aLeadsWhenB: boolean | undefined;
        b.once('isLeader', () => (aLeadsWhenB = a.hasLeadership || !grantA.signal.aborted));
        await forceExpiry(first, direct);
        const grantB = await b.waitForLeadership({ timeoutMs: 20_000 });
        assert.equal(aLeadsWhenB, false);
        assert.ok(grantB.fencingToken > grantA.fencingToken);
        await waitFor(() => errors.length > 0, 'error event on the expired latch');
        assert.equal(a.hasLeadership, false);
        await a.close();
        await b.close();
      } finally {
        await first.close();
        await second.close();
      }
    });
  });
}
