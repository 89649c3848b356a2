// Proves Semaphore against Apache ZooKeeper 3.8 and Warren: with three leases and eight
// clients looping, never more than three hold a lease at once and all three are used; the
// same holds behind proxies that cut connections at random, with no lease node left over;
// a waiter times out and withdraws; and a holder whose session is forced to expire has its
// lease aborted before its slot is given to a waiter.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { Semaphore } from '../../src/recipes/index.js';
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
} from './support.js';

async function contend(clients: readonly ZooKeeperClient[], path: string): Promise<number> {
  let inside = 0;
  let most = 0;
  await Promise.all(
    clients.map(async (client) => {
      const semaphore = new Semaphore(client, path, 3);
      for (let round = 0; round < 4; round++) {
        const lease = await semaphore.acquire({ timeoutMs: 30_000 });
        inside++;
        most = Math.max(most, inside);
        await sleep(5 + randomMs(10));
        inside--;
        await lease.release();
      }
    }),
  );
  return most;
}

for (const target of TARGETS) {
  describe(`Semaphore against ${target}`, { skip: targetSkipReason(target) }, () => {
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

    it('admits at most three of eight at once, and times out a waiter', async () => {
      const clients = await connectMany(server.connectString, 8);
      try {
        assert.equal(await contend(clients, '/sem/a'), 3);
        const held = await Promise.all(
          clients.slice(0, 3).map((c) => new Semaphore(c, '/sem/a', 3).acquire()),
        );
        const waiter = new Semaphore(clients[3]!, '/sem/a', 3);
        await assert.rejects(waiter.acquire({ timeoutMs: 150 }), { code: 'WARREN_RECIPE_TIMEOUT' });
        assert.equal((await waiter.leases()).length, 3);
        for (const lease of held) await lease.release();
      } finally {
        await closeAll(clients);
      }
    });

    it('keeps the limit while connections are cut at random', async () => {
      const proxied = await Promise.all(
        Array.from({ length: 6 }, () => connectProxied(server.port)),
      );
      let done = false;
      const chaos = (async () => {
        while (!done) {
          await sleep(20 + randomMs(50));
          proxied[randomMs(proxied.length)]!.proxy.cut();
        }
      })();
      try {
        const most = await contend(
          proxied.map((p) => p.client),
          '/sem/c',
        );
        assert.ok(most <= 3);
        assert.deepEqual(await new Semaphore(direct, '/sem/c', 3).leases(), []);
      } finally {
        done = true;
        await chaos;
        for (const p of proxied) await p.close();
      }
    });

    it('aborts an expired holder before its slot is given away', async () => {
      const doomed = await connectProxied(server.port, { sessionTimeoutMs: SHORT_SESSION_MS });
      const other = await connect(server.connectString);
      try {
        const lease = await new Semaphore(doomed.client, '/sem/x', 1).acquire();
        let abortedThen: boolean | undefined;
        const next = new Semaphore(other, '/sem/x', 1).acquire({ timeoutMs: 20_000 }).then((l) => {
          abortedThen = lease.signal.aborted;
          return l;
        });
        await forceExpiry(doomed, direct);
        const second = await next;
        assert.equal(abortedThen, true);
        await second.release();
        await lease.release();
      } finally {
        await doomed.close();
        await other.close();
      }
    });
  });
}
