// Proves ChildrenCache against Apache ZooKeeper 3.8 and Warren: it loads the children there
// are before start() resolves; with five writers creating, changing and deleting children at
// once its map ends equal to the server's and its events replay to the same map; four caches
// whose connections are cut at random during such writes end exact too; it follows a parent
// created after start; it catches up with changes made while its connection was cut; on a
// given client an expiry ends it with an 'error' event; and on a client factory it rebuilds
// after a forced expiry on a new session, with the changes made meanwhile (trying the factory
// again when it fails).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConnectionLossError, type ZooKeeperClient } from '../../src/client/index.js';
import { ChildrenCache } from '../../src/recipes/index.js';
import type { RunningServer } from '../support/server-process.js';
import { targetSkipReason, TARGETS } from '../support/targets.js';
import { TcpProxy } from '../client/tcp-proxy.js';
import {
  closeAll,
  connect,
  connectMany,
  connectProxied,
  FAST_RECONNECT,
  forceExpiry,
  randomMs,
  SHORT_SESSION_MS,
  sleep,
  startRecipeTarget,
  waitFor,
  type ProxiedClient,
} from './support.js';

/** The cache as name → data text. */
function snapshot(cache: ChildrenCache): Map<string, string> {
  return new Map([...cache.current].map(([name, c]) => [name, c.data?.toString() ?? '']));
}

async function serverState(client: ZooKeeperClient, path: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of await client.getChildren(path)) {
    const { data } = await client.getData(`${path}/${name}`);
    out.set(name, data?.toString() ?? '');
  }
  return out;
}

function sameMaps(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

for (const target of TARGETS) {
  describe(`ChildrenCache against ${target}`, { skip: targetSkipReason(target) }, () => {
    let server: RunningServer;
    let direct: ZooKeeperClient;
    before(async () => {
      server = await startRecipeTarget(target);
      direct = await connect(server.connectString);
      await direct.create('/cc');
    });
    after(async () => {
      await direct?.close();
      await server?.stop();
    });

    it('loads first, then follows five concurrent writers exactly', async () => {
      await direct.create('/cc/a');
      for (let i = 0; i < 5; i++) await direct.create(`/cc/a/pre-${i}`, { data: `p${i}` });
      const reader = await connect(server.connectString);
      const writers = await connectMany(server.connectString, 5);
      const cache = new ChildrenCache(reader, '/cc/a');
      const replay = new Map<string, string>();
      cache.on('added', (c) => replay.set(c.name, c.data?.toString() ?? ''));
      cache.on('updated', (c) => replay.set(c.name, c.data?.toString() ?? ''));
      cache.on('removed', (c) => replay.delete(c.name));
      try {
        await cache.start();
        assert.equal(cache.current.size, 5);
        assert.equal(cache.current.get('pre-3')?.data?.toString(), 'p3');
        await Promise.all(
          writers.map(async (w, k) => {
            for (let i = 0; i < 12; i++) {
              const path = `/cc/a/w${k}-${i}`;
              await w.create(path, { data: 'v0' });
              await w.setData(path, 'v1');
              if (i % 3 === 0) await w.delete(path);
            }
            await w.setData(`/cc/a/pre-${k}`, `changed-${k}`);
          }),
        );
        const want = await serverState(direct, '/cc/a');
        assert.equal(want.size, 5 + 5 * 8);
        await waitFor(() => sameMaps(snapshot(cache), want), 'cache equals the server').catch(
          (e: unknown) => {
            const got = snapshot(cache);
            const diff = [...new Set([...got.keys(), ...want.keys()])]
              .filter((k) => got.get(k) !== want.get(k))
              .map((k) => `${k}: ${got.get(k)} vs ${want.get(k)}`);
            throw new Error(`${String(e)}: ${diff.join(', ')}`);
          },
        );
        assert.ok(sameMaps(replay, want), 'events replay to the same map');
        await cache.close();
      } finally {
        await closeAll([reader, ...writers]);
      }
    });

    it('four caches stay exact while their connections are cut at random', async () => {
      await direct.create('/cc/chaos');
      const proxied: ProxiedClient[] = [];
      for (let i = 0; i < 4; i++) proxied.push(await connectProxied(server.port));
      const caches = proxied.map((p) => new ChildrenCache(p.client, '/cc/chaos'));
      const writers = await connectMany(server.connectString, 4);
      let done = false;
      const chaos = (async () => {
        while (!done) {
          await sleep(10 + randomMs(40));
          proxied[randomMs(proxied.length)]!.proxy.cut();
        }
      })();
      try {
        await Promise.all(caches.map((c) => c.start()));
        await Promise.all(
          writers.map(async (w, k) => {
            for (let i = 0; i < 15; i++) {
              const path = `/cc/chaos/w${k}-${i}`;
              await w.create(path, { data: 'v0' });
              await w.setData(path, `v${i}`);
              if (i % 4 === 0) await w.delete(path);
            }
          }),
        );
        done = true;
        await chaos;
        const want = await serverState(direct, '/cc/chaos');
        for (const cache of caches) {
          await waitFor(() => sameMaps(snapshot(cache), want), 'cache after the cuts');
        }
        await Promise.all(caches.map((c) => c.close()));
      } finally {
        done = true;
        await chaos;
        await closeAll(writers);
        for (const p of proxied) await p.close();
      }
    });

    it('follows a parent created after start, with cacheData off', async () => {
      const cache = new ChildrenCache(direct, '/cc/later', { cacheData: false });
      await cache.start();
      assert.equal(cache.current.size, 0);
      await direct.create('/cc/later');
      await direct.create('/cc/later/x', { data: 'ignored' });
      await waitFor(() => cache.current.has('x'), 'child of a new parent');
      assert.equal(cache.current.get('x')?.data, null);
      assert.equal(cache.current.get('x')?.stat.dataLength, 7);
      await direct.delete('/cc/later/x');
      await direct.delete('/cc/later');
      await waitFor(() => cache.current.size === 0, 'parent gone');
      await cache.close();
    });

    it('catches up after a cut connection', async () => {
      await direct.create('/cc/cut');
      await direct.create('/cc/cut/stay', { data: 'a' });
      await direct.create('/cc/cut/go', { data: 'a' });
      const p = await connectProxied(server.port);
      const cache = new ChildrenCache(p.client, '/cc/cut');
      try {
        await cache.start();
        assert.equal(cache.current.size, 2);
        p.proxy.setRefusing(true);
        p.proxy.cut();
        await waitFor(() => p.client.state === 'disconnected', 'disconnected');
        await direct.setData('/cc/cut/stay', 'b');
        await direct.delete('/cc/cut/go');
        await direct.create('/cc/cut/new', { data: 'n' });
        p.proxy.setRefusing(false);
        const want = new Map([
          ['stay', 'b'],
          ['new', 'n'],
        ]);
        await waitFor(() => sameMaps(snapshot(cache), want), 'caught up');
        await cache.close();
      } finally {
        await p.close();
      }
    });

    it('on a given client, ends with an error when the session expires', async () => {
      const p = await connectProxied(server.port, { sessionTimeoutMs: SHORT_SESSION_MS });
      const cache = new ChildrenCache(p.client, '/cc');
      const errors: Error[] = [];
      cache.on('error', (e) => errors.push(e));
      try {
        await cache.start();
        await forceExpiry(p, direct);
        await waitFor(() => errors.length > 0, 'error event');
        assert.equal((errors[0] as { code?: string }).code, 'WARREN_RECIPE_SESSION_LOST');
        await cache.close();
      } finally {
        await p.close();
      }
    });

    it('on a client factory, rebuilds on a new session after expiry', async () => {
      const proxy = await TcpProxy.start(server.port);
      let calls = 0;
      const factory = (): Promise<ZooKeeperClient> =>
        ++calls === 2 // the first call after the expiry fails: the cache must try again
          ? Promise.reject(new ConnectionLossError(-4, 'factory down', '', 'connect'))
          : connect(proxy.connectString, { ...FAST_RECONNECT, sessionTimeoutMs: SHORT_SESSION_MS });
      await direct.create('/cc/exp');
      await direct.create('/cc/exp/old', { data: '1' });
      const cache = new ChildrenCache(factory, '/cc/exp');
      cache.on('error', () => undefined);
      try {
        await cache.start();
        const first = cache.client!.sessionId;
        await cache.client!.create('/cc-probe', { mode: 'ephemeral' });
        proxy.setRefusing(true);
        proxy.cut();
        await waitFor(async () => (await direct.exists('/cc-probe')) === null, 'expiry', 20_000);
        await direct.delete('/cc/exp/old');
        await direct.create('/cc/exp/fresh', { data: '2' });
        proxy.setRefusing(false);
        const want = new Map([['fresh', '2']]);
        await waitFor(() => sameMaps(snapshot(cache), want), 'rebuilt', 20_000);
        assert.notEqual(cache.client?.sessionId, first);
        assert.ok(calls >= 3, `factory calls: ${calls}`);
        await direct.setData('/cc/exp/fresh', '3');
        await waitFor(() => cache.current.get('fresh')?.data?.toString() === '3', 'watching');
      } finally {
        await cache.close();
        await proxy.stop();
      }
    });
  });
}
