// Proves Lock against Apache ZooKeeper 3.8 and Warren: eight clients contend for one lock and
// a checker sees no overlapping critical sections while an unversioned read-modify-write on a
// znode loses no update; fencing tokens rise with every grant; a waiter watches only its
// predecessor (a release wakes one waiter, checked by grant order = arrival order); the
// reentrant option; timeout and abort withdraw the waiter's node; with every client behind a
// proxy that cuts connections at random, mutual exclusion still holds and no orphan node is
// left (protected names); and when a holder's session is forced to expire its grant's signal
// has aborted before anyone else is granted the lock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { Lock, lockContenders, RecipeError } from '../../src/recipes/index.js';
import type { RunningServer } from '../support/server-process.js';
import { targetSkipReason, TARGETS } from '../support/targets.js';
import {
  closeAll,
  connect,
  connectMany,
  connectProxied,
  forceExpiry,
  OverlapChecker,
  randomMs,
  SHORT_SESSION_MS,
  sleep,
  startRecipeTarget,
  waitFor,
  type ProxiedClient,
} from './support.js';

/** Read-modify-write without a version: only mutual exclusion keeps it exact. */
async function bump(client: ZooKeeperClient, path: string): Promise<void> {
  const { data } = await client.getData(path);
  await client.setData(path, String(Number(data?.toString() ?? '0') + 1));
}

for (const target of TARGETS) {
  describe(`Lock against ${target}`, { skip: targetSkipReason(target) }, () => {
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

    it('excludes eight contenders, with rising fencing tokens', async () => {
      const clients = await connectMany(server.connectString, 8);
      await direct.create('/count-a', { data: '0' });
      const checker = new OverlapChecker();
      const tokens: number[] = [];
      try {
        await Promise.all(
          clients.map(async (client) => {
            const lock = new Lock(client, '/locks/a');
            for (let round = 0; round < 5; round++) {
              const grant = await lock.acquire({ timeoutMs: 20_000 });
              checker.enter();
              tokens.push(grant.fencingToken);
              await bump(client, '/count-a');
              await sleep(randomMs(3));
              checker.leave();
              await lock.release();
            }
          }),
        );
        assert.equal(checker.overlaps, 0);
        assert.equal((await direct.getData('/count-a')).data?.toString(), '40');
        for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i]! > tokens[i - 1]!);
        assert.deepEqual(await lockContenders(direct, '/locks/a'), []);
      } finally {
        await closeAll(clients);
      }
    });

    it('grants in arrival order, one waiter woken per release', async () => {
      const clients = await connectMany(server.connectString, 5);
      try {
        const locks = clients.map((c) => new Lock(c, '/locks/fifo'));
        const order: number[] = [];
        await locks[0]!.acquire();
        const waiting: Promise<void>[] = [];
        for (let i = 1; i < locks.length; i++) {
          waiting.push(
            locks[i]!.acquire().then(async () => {
              order.push(i);
              await locks[i]!.release();
            }),
          );
          await waitFor(async () => (await lockContenders(direct, '/locks/fifo')).length > i, 'q');
        }
        await locks[0]!.release();
        await Promise.all(waiting);
        assert.deepEqual(order, [1, 2, 3, 4]);
      } finally {
        await closeAll(clients);
      }
    });

    it('is reentrant when asked, and busy when not', async () => {
      const [a, b] = await connectMany(server.connectString, 2);
      try {
        const re = new Lock(a!, '/locks/re', { reentrant: true });
        const first = await re.acquire();
        assert.equal(await re.acquire(), first);
        await re.release();
        assert.ok(re.isHeld);
        const other = new Lock(b!, '/locks/re');
        await assert.rejects(other.acquire({ timeoutMs: 200 }), { code: 'WARREN_RECIPE_TIMEOUT' });
        await re.release();
        await other.acquire({ timeoutMs: 5_000 });
        await assert.rejects(other.acquire(), { code: 'WARREN_RECIPE_BUSY' });
        await other.release();
        await assert.rejects(other.release(), RecipeError);
      } finally {
        await closeAll([a!, b!]);
      }
    });

    it('withdraws a waiter that times out or is aborted', async () => {
      const [a, b] = await connectMany(server.connectString, 2);
      try {
        const holder = new Lock(a!, '/locks/wd');
        await holder.acquire();
        const waiter = new Lock(b!, '/locks/wd');
        await assert.rejects(waiter.acquire({ timeoutMs: 150 }), { code: 'WARREN_RECIPE_TIMEOUT' });
        const controller = new AbortController();
        const aborted = waiter.acquire({ signal: controller.signal });
        await waitFor(async () => (await lockContenders(direct, '/locks/wd')).length === 2, 'w');
        controller.abort();
        await assert.rejects(aborted, { code: 'WARREN_RECIPE_ABORTED' });
        assert.equal((await lockContenders(direct, '/locks/wd')).length, 1);
        await holder.release();
      } finally {
        await closeAll([a!, b!]);
      }
    });

    it('keeps mutual exclusion while connections are cut at random', async () => {
      const proxied: ProxiedClient[] = [];
      for (let i = 0; i < 5; i++) proxied.push(await connectProxied(server.port));
      await direct.create('/count-c', { data: '0' });
      const checker = new OverlapChecker();
      let done = false;
      const chaos = (async () => {
        while (!done) {
          await sleep(20 + randomMs(60));
          proxied[randomMs(proxied.length)]!.proxy.cut();
        }
      })();
      try {
        await Promise.all(
          proxied.map(async ({ client }) => {
            const lock = new Lock(client, '/locks/c');
            for (let round = 0; round < 6; round++) {
              await lock.acquire({ timeoutMs: 30_000 });
              checker.enter();
              await sleep(randomMs(5));
              checker.leave();
              await lock.release();
            }
          }),
        );
        assert.equal(checker.overlaps, 0);
        assert.equal(checker.entries, 30);
      } finally {
        done = true;
        await chaos;
      }
      await sleep(50);
      assert.deepEqual(await lockContenders(direct, '/locks/c'), [], 'no orphan nodes');
      for (const p of proxied) await p.close();
    });

    it('aborts the grant of a holder whose session expires before anyone else holds it', async () => {
      const holder = await connectProxied(server.port, { sessionTimeoutMs: SHORT_SESSION_MS });
      const other = await connect(server.connectString);
      try {
        const lockA = new Lock(holder.client, '/locks/exp');
        const grantA = await lockA.acquire();
        const lockB = new Lock(other, '/locks/exp');
        let abortedWhenB: boolean | undefined;
        const waitB = lockB.acquire({ timeoutMs: 20_000 }).then((grant) => {
          abortedWhenB = grantA.signal.aborted;
          return grant;
        });
        await forceExpiry(holder, direct);
        const grantB = await waitB;
        assert.equal(abortedWhenB, true);
        assert.equal((grantA.signal.reason as RecipeError).code, 'WARREN_RECIPE_SESSION_LOST');
        assert.ok(grantB.fencingToken > grantA.fencingToken);
        assert.equal(lockA.isHeld, false);
        await lockA.release();
        await lockB.release();
      } finally {
        await holder.close();
        await other.close();
      }
    });
  });
}
