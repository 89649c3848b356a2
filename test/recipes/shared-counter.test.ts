// Proves SharedCounter and AtomicValue against Apache ZooKeeper 3.8 and Warren: eight clients
// adding concurrently lose no update and every add() sees a distinct new value; the same holds
// when every client sits behind a proxy that cuts connections at random (the marker child of
// each compare-and-set tells whether a set cut off in flight ran, so none runs twice); a
// stale trySet fails; and when one adder's session is forced to expire, the total is the
// adds that resolved, plus at most the one in flight at the expiry.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { AtomicValue, SharedCounter } from '../../src/recipes/index.js';
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
  type ProxiedClient,
} from './support.js';

async function addConcurrently(
  clients: readonly ZooKeeperClient[],
  path: string,
  each: number,
): Promise<number[]> {
  const seen: number[] = [];
  await Promise.all(
    clients.map(async (client) => {
      const counter = new SharedCounter(client, path);
      for (let i = 0; i < each; i++) seen.push(await counter.increment());
    }),
  );
  return seen.sort((a, b) => a - b);
}

function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

for (const target of TARGETS) {
  describe(
    `SharedCounter and AtomicValue against ${target}`,
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

      it('loses no update among eight concurrent adders', async () => {
        const clients = await connectMany(server.connectString, 8);
        try {
          assert.deepEqual(await addConcurrently(clients, '/counters/a', 10), oneTo(80));
          assert.equal(await new SharedCounter(direct, '/counters/a').get(), 80);
        } finally {
          await closeAll(clients);
        }
      });

      it('compare-and-set fails on a stale version; update() applies a function', async () => {
        const value = new AtomicValue(direct, '/values/v', 'a');
        const { version } = await value.get();
        assert.equal(await value.compareAndSet(version, 'b'), true);
        assert.equal(await value.compareAndSet(version, 'c'), false);
        const result = await value.update((cur) => `${cur?.toString()}!`);
        assert.equal(result.before?.toString(), 'b');
        assert.equal(result.after.toString(), 'b!');
        const counter = new SharedCounter(direct, '/counters/t', 5);
        const v = await counter.getVersioned();
        assert.equal(v.value, 5);
        assert.equal(await counter.trySet(v.version, 9), true);
        assert.equal(await counter.trySet(v.version, 11), false);
        assert.equal(await counter.add(-4), 5);
      });

      it('applies every add exactly once while connections are cut at random', async () => {
        const proxied: ProxiedClient[] = [];
        for (let i = 0; i < 6; i++) proxied.push(await connectProxied(server.port));
        let done = false;
        const chaos = (async () => {
          while (!done) {
            await sleep(10 + randomMs(30));
            proxied[randomMs(proxied.length)]!.proxy.cut();
          }
        })();
        try {
          const seen = await addConcurrently(
            proxied.map((p) => p.client),
            '/counters/c',
            10,
          );
          assert.deepEqual(seen, oneTo(60));
          assert.equal(await new SharedCounter(direct, '/counters/c').get(), 60);
          assert.deepEqual(await direct.getChildren('/counters/c'), [], 'no marker left');
        } finally {
          done = true;
          await chaos;
          for (const p of proxied) await p.close();
        }
      });

      it('counts the adds of an adder whose session expires at most once', async () => {
        const doomed = await connectProxied(server.port, { sessionTimeoutMs: SHORT_SESSION_MS });
        try {
          const counter = new SharedCounter(doomed.client, '/counters/x');
          let resolved = 0;
          let stop = false;
          const adding = (async () => {
            while (!stop) {
              await counter.increment();
              resolved++;
            }
          })();
          const failed = assert.rejects(adding);
          await sleep(200);
          await forceExpiry(doomed, direct);
          stop = true;
          await failed;
          const total = await new SharedCounter(direct, '/counters/x').get();
          assert.ok(total === resolved || total === resolved + 1, `${total} vs ${resolved}`);
          assert.ok(resolved > 0);
        } finally {
          await doomed.close();
        }
      });
    },
  );
}
