// Proves TreeCache against Apache ZooKeeper 3.8 and Warren, with its persistent recursive watch
// and with the one-shot fallback (forced, or because addWatch is unimplemented): it loads an
// existing tree before start() resolves; with three writers building, changing and deleting
// subtrees at once its mirror ends equal to the server's tree and its events replay to the
// same tree, also for three mirrors whose connections are cut at random meanwhile; maxDepth
// bounds the mirror; it catches up with changes made while its connection was cut; on a given
// client an expiry ends it with an 'error' event; and on a client factory it rebuilds after a
// forced expiry (trying the factory again when it fails).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ConnectionLossError,
  UnimplementedError,
  type ZooKeeperClient,
} from '../../src/client/index.js';
import { TreeCache, type TreeCacheOptions } from '../../src/recipes/index.js';
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

type Tree = Map<string, string>;

function mirror(cache: TreeCache): Tree {
  return new Map(cache.paths().map((p) => [p, cache.get(p)?.data?.toString() ?? '']));
}

async function serverTree(client: ZooKeeperClient, path: string, depth = Infinity): Promise<Tree> {
  const out: Tree = new Map();
  const visit = async (p: string, d: number): Promise<void> => {
    const { data } = await client.getData(p);
    out.set(p, data?.toString() ?? '');
    if (d >= depth) return;
    for (const name of await client.getChildren(p)) await visit(`${p}/${name}`, d + 1);
  };
  await visit(path, 0);
  return out;
}

function sameTrees(a: Tree, b: Tree): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

async function waitForTree(cache: TreeCache, want: Tree, what: string): Promise<void> {
  await waitFor(() => sameTrees(mirror(cache), want), what, 20_000).catch((e: unknown) => {
    const got = mirror(cache);
    const diff = [...new Set([...got.keys(), ...want.keys()])]
      .filter((k) => got.get(k) !== want.get(k))
      .slice(0, 10)
      .map((k) => `${k}: ${got.get(k)} vs ${want.get(k)}`);
    throw new Error(`${String(e)}: ${diff.join(', ')}`);
  });
}

/** Writer k builds /root/wk/i/j, changes some, deletes some subtrees. */
async function write(client: ZooKeeperClient, root: string, k: number): Promise<void> {
  const base = `${root}/w${k}`;
  await client.create(base, { data: 'w' });
  for (let i = 0; i < 6; i++) {
    await client.create(`${base}/${i}`, { data: 'a' });
    for (let j = 0; j < 3; j++) await client.create(`${base}/${i}/${j}`, { data: 'b' });
    await client.setData(`${base}/${i}/1`, 'changed');
    if (i % 2 === 0) {
      for (let j = 0; j < 3; j++) await client.delete(`${base}/${i}/${j}`);
      await client.delete(`${base}/${i}`);
    }
  }
  await client.setData(base, 'done');
}

const MODES: { name: string; options: TreeCacheOptions; mode: string }[] = [
  { name: 'recursive watch', options: {}, mode: 'recursive' },
  { name: 'one-shot watches', options: { watchMode: 'oneShot' }, mode: 'oneShot' },
];

for (const target of TARGETS) {
  describe(`TreeCache against ${target}`, { skip: targetSkipReason(target) }, () => {
    let server: RunningServer;
    let direct: ZooKeeperClient;
    before(async () => {
      server = await startRecipeTarget(target);
      direct = await connect(server.connectString);
      await direct.create('/tc');
    });
    after(async () => {
      await direct?.close();
      await server?.stop();
    });

    for (const { name, options, mode } of MODES) {
      it(`${name}: loads, then follows three concurrent writers exactly`, async () => {
        const root = `/tc/${mode}`;
        await direct.create(root, { data: 'r' });
        await direct.create(`${root}/pre`, { data: 'p' });
        await direct.create(`${root}/pre/deep`, { data: 'd' });
        const reader = await connect(server.connectString);
        const writers = await connectMany(server.connectString, 3);
        const cache = new TreeCache(reader, root, options);
        const replay: Tree = new Map();
        cache.on('added', (n) => replay.set(n.path, n.data?.toString() ?? ''));
        cache.on('updated', (n) => replay.set(n.path, n.data?.toString() ?? ''));
        cache.on('removed', (n) => replay.delete(n.path));
        try {
          await cache.start();
          assert.equal(cache.watchMode, mode);
          assert.equal(cache.get(`${root}/pre/deep`)?.data?.toString(), 'd');
          assert.deepEqual(cache.childrenOf(root), ['pre']);
          await Promise.all(writers.map((w, k) => write(w, root, k)));
          await direct.delete(`${root}/pre/deep`);
          const want = await serverTree(direct, root);
          assert.equal(want.size, 2 + 3 * (1 + 3 * 4));
          await waitForTree(cache, want, 'mirror equals the server');
          assert.ok(sameTrees(replay, want), 'events replay to the same tree');
          assert.deepEqual(cache.childrenOf(`${root}/w1`), ['1', '3', '5']);
          await cache.close();
        } finally {
          await closeAll([reader, ...writers]);
        }
      });
    }

    it('three mirrors stay exact while their connections are cut at random', async () => {
      const root = '/tc/chaos';
      await direct.create(root);
      const proxied: ProxiedClient[] = [];
      for (let i = 0; i < 3; i++) proxied.push(await connectProxied(server.port));
      const caches = proxied.map(
        (p, i) => new TreeCache(p.client, root, i === 1 ? { watchMode: 'oneShot' } : {}),
      );
      const writers = await connectMany(server.connectString, 3);
      let done = false;
      const chaos = (async () => {
        while (!done) {
          await sleep(10 + randomMs(40));
          proxied[randomMs(proxied.length)]!.proxy.cut();
        }
      })();
      try {
        await Promise.all(caches.map((c) => c.start()));
        await Promise.all(writers.map((w, k) => write(w, root, k)));
        done = true;
        await chaos;
        const want = await serverTree(direct, root);
        for (const cache of caches) await waitForTree(cache, want, 'mirror after the cuts');
        await Promise.all(caches.map((c) => c.close()));
      } finally {
        done = true;
        await chaos;
        await closeAll(writers);
        for (const p of proxied) await p.close();
      }
    });

    it('falls back to one-shot watches when the server lacks addWatch', async () => {
      const old = await connect(server.connectString);
      // What a ZooKeeper before 3.6 answers to addWatch.
      old.addWatch = (path) =>
        Promise.reject(new UnimplementedError(-6, 'unimplemented', path, 'addWatch'));
      const cache = new TreeCache(old, '/tc/fallback');
      try {
        await cache.start();
        assert.equal(cache.watchMode, 'oneShot');
        await direct.create('/tc/fallback', { data: 'x' });
        await direct.create('/tc/fallback/kid', { data: 'y' });
        await waitForTree(cache, await serverTree(direct, '/tc/fallback'), 'followed');
        await cache.close();
      } finally {
        await old.close();
      }
    });

    it('maxDepth bounds the mirror; a root created later is picked up', async () => {
      const cache = new TreeCache(direct, '/tc/depth', { maxDepth: 1 });
      await cache.start();
      assert.deepEqual(cache.paths(), []);
      await direct.create('/tc/depth');
      await direct.create('/tc/depth/a');
      await direct.create('/tc/depth/a/too-deep');
      await direct.create('/tc/depth/b');
      await waitForTree(cache, await serverTree(direct, '/tc/depth', 1), 'depth 1');
      assert.equal(cache.get('/tc/depth/a/too-deep'), undefined);
      await cache.close();
    });

    for (const { name, options, mode } of MODES) {
      it(`${name}: catches up after a cut connection`, async () => {
        const root = `/tc/cut-${mode}`;
        await direct.create(root);
        await direct.create(`${root}/a`, { data: '1' });
        await direct.create(`${root}/a/x`, { data: '1' });
        const p = await connectProxied(server.port);
        const cache = new TreeCache(p.client, root, options);
        try {
          await cache.start();
          p.proxy.setRefusing(true);
          p.proxy.cut();
          await waitFor(() => p.client.state === 'disconnected', 'disconnected');
          await direct.setData(`${root}/a`, '2');
          await direct.delete(`${root}/a/x`);
          await direct.create(`${root}/b`, { data: 'new' });
          await direct.create(`${root}/b/c`, { data: 'deeper' });
          p.proxy.setRefusing(false);
          await waitForTree(cache, await serverTree(direct, root), 'caught up');
          await cache.close();
        } finally {
          await p.close();
        }
      });
    }

    it('on a given client, ends with an error when the session expires', async () => {
      const p = await connectProxied(server.port, { sessionTimeoutMs: SHORT_SESSION_MS });
      const cache = new TreeCache(p.client, '/tc');
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
      await direct.create('/tc/exp');
      await direct.create('/tc/exp/old', { data: '1' });
      const cache = new TreeCache(factory, '/tc/exp');
      cache.on('error', () => undefined);
      try {
        await cache.start();
        const first = cache.client!.sessionId;
        await cache.client!.create('/tc-probe', { mode: 'ephemeral' });
        proxy.setRefusing(true);
        proxy.cut();
        await waitFor(async () => (await direct.exists('/tc-probe')) === null, 'expiry', 20_000);
        await direct.delete('/tc/exp/old');
        await direct.create('/tc/exp/fresh', { data: '2' });
        proxy.setRefusing(false);
        await waitForTree(cache, await serverTree(direct, '/tc/exp'), 'rebuilt');
        assert.notEqual(cache.client?.sessionId, first);
        assert.ok(calls >= 3, `factory calls: ${calls}`);
        await direct.create('/tc/exp/fresh/kid', { data: '3' });
        await waitFor(() => cache.get('/tc/exp/fresh/kid') !== undefined, 'watching again');
      } finally {
        await cache.close();
        await proxy.stop();
      }
    });
  });
}
