// Proves Barrier and DoubleBarrier against Apache ZooKeeper 3.8 and Warren: barrier waiters
// on separate clients block until the barrier is removed (and time out while it stands);
// five double-barrier members each pass enter() only once all five have joined and pass
// leave() only once all have left, also when every member sits behind a proxy that cuts
// connections at random; and a member whose session is forced to expire while waiting has
// its wait rejected and no longer counts, so the others are not let through early.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { Barrier, DoubleBarrier } from '../../src/recipes/index.js';
import type { RunningServer } from '../support/server-process.js';
import { targetSkipReason, TARGETS } from '../support/targets.js';
import {
  closeAll,
  connect,
  connectMany,
  connectProxied,
  forceExpiry,
  isSessionLoss,
  randomMs,
  SHORT_SESSION_MS,
  sleep,
  startRecipeTarget,
  waitFor,
  type ProxiedClient,
} from './support.js';

/** Runs one double-barrier round; fails on an early pass. */
async function round(clients: readonly ZooKeeperClient[], path: string): Promise<void> {
  let joined = 0;
  let left = 0;
  const early: string[] = [];
  await Promise.all(
    clients.map(async (client, i) => {
      const barrier = new DoubleBarrier(client, path, clients.length);
      await sleep(randomMs(30));
      joined++;
      await barrier.enter({ timeoutMs: 20_000 });
      if (joined < clients.length) early.push(`enter ${i} at ${joined}`);
      await sleep(randomMs(30));
      left++;
      await barrier.leave({ timeoutMs: 20_000 });
      if (left < clients.length) early.push(`leave ${i} at ${left}`);
    }),
  );
  assert.deepEqual(early, []);
}

for (const target of TARGETS) {
  describe(
    `Barrier and DoubleBarrier against ${target}`,
    { skip: targetSkipReason(target) },
    () => {
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

      it('holds barrier waiters until it is removed', async () => {
        const clients = await connectMany(server.connectString, 3);
        try {
          await new Barrier(direct, '/gates/a').set();
          const w = new Barrier(clients[0]!, '/gates/a');
          await assert.rejects(w.waitOn({ timeoutMs: 100 }), { code: 'WARREN_RECIPE_TIMEOUT' });
          let passed = 0;
          const waits = clients.map((c) =>
            new Barrier(c, '/gates/a').waitOn().then(() => passed++),
          );
          await sleep(100);
          assert.equal(passed, 0);
          await new Barrier(direct, '/gates/a').remove();
          await Promise.all(waits);
          assert.equal(passed, 3);
        } finally {
          await closeAll(clients);
        }
      });

      it('lets five members enter together and leave together', async () => {
        const clients = await connectMany(server.connectString, 5);
        try {
          await round(clients, '/double/a');
        } finally {
          await closeAll(clients);
        }
      });

      it('holds while connections are cut at random', async () => {
        const proxied: ProxiedClient[] = [];
        for (let i = 0; i < 5; i++) proxied.push(await connectProxied(server.port));
        let done = false;
        const chaos = (async () => {
          while (!done) {
            await sleep(10 + randomMs(30));
            proxied[randomMs(proxied.length)]!.proxy.cut();
          }
        })();
        try {
          for (let r = 0; r < 3; r++) {
            await round(
              proxied.map((p) => p.client),
              `/double/c${r}`,
            );
          }
        } finally {
          done = true;
          await chaos;
          for (const p of proxied) await p.close();
        }
      });

      it('drops a member whose session expires, letting no one through early', async () => {
        const doomed = await connectProxied(server.port, { sessionTimeoutMs: SHORT_SESSION_MS });
        const others = await connectMany(server.connectString, 3);
        try {
          const lost = assert.rejects(
            new DoubleBarrier(doomed.client, '/double/x', 3).enter(),
            isSessionLoss,
          );
          let passed = 0;
          const enter = (c: ZooKeeperClient): Promise<number> =>
            new DoubleBarrier(c, '/double/x', 3).enter({ timeoutMs: 20_000 }).then(() => passed++);
          const first = enter(others[0]!);
          const members = async (): Promise<number> =>
            (await direct.getChildren('/double/x').catch(() => [])).length;
          await waitFor(async () => (await members()) === 2, 'two members');
          await forceExpiry(doomed, direct);
          await lost;
          await sleep(100);
          assert.equal(passed, 0, 'one live member of three must wait');
          const rest = [enter(others[1]!), enter(others[2]!)];
          await Promise.all([first, ...rest]);
          assert.equal(passed, 3);
        } finally {
          await doomed.close();
          await closeAll(others);
        }
      });
    },
  );
}
