// Proves NodeCache against Apache ZooKeeper 3.8 and Warren: the copy follows creation, every
// change and deletion made by another client; it catches up with changes made while its
// connection was cut (refused, then restored); and a session forced to expire ends the cache
// with an 'error' event.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { NodeCache } from '../../src/recipes/index.js';
import type { RunningServer } from '../support/server-process.js';
import { targetSkipReason, TARGETS } from '../support/targets.js';
import {
  connect,
  connectProxied,
  forceExpiry,
  SHORT_SESSION_MS,
  startRecipeTarget,
  waitFor,
} from './support.js';

function text(cache: NodeCache): string | null | undefined {
  return cache.current === null ? null : cache.current.data?.toString();
}

for (const target of TARGETS) {
  describe(`NodeCache against ${target}`, { skip: targetSkipReason(target) }, () => {
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

    it('follows creation, changes and deletion', async () => {
      const client = await connect(server.connectString);
      const cache = new NodeCache(client, '/cached');
      try {
        await cache.start();
        assert.equal(cache.current, null);
        await direct.create('/cached', { data: 'v0' });
        await waitFor(() => text(cache) === 'v0', 'created');
        for (let i = 1; i <= 10; i++) await direct.setData('/cached', `v${i}`);
        await waitFor(() => text(cache) === 'v10', 'changed');
        await direct.delete('/cached');
        await waitFor(() => cache.current === null, 'deleted');
        await cache.close();
      } finally {
        await client.close();
      }
    });

    it('catches up after a cut connection', async () => {
      const p = await connectProxied(server.port);
      const cache = new NodeCache(p.client, '/cut');
      try {
        await direct.create('/cut', { data: 'a' });
        await cache.start();
        assert.equal(text(cache), 'a');
        p.proxy.setRefusing(true);
        p.proxy.cut();
        await waitFor(() => p.client.state === 'disconnected', 'disconnected');
        await direct.setData('/cut', 'b');
        p.proxy.setRefusing(false);
        await waitFor(() => text(cache) === 'b', 'caught up');
        await cache.close();
      } finally {
        await p.close();
      }
    });

    it('ends with an error when the session expires', async () => {
      const p = await connectProxied(server.port, { sessionTimeoutMs: SHORT_SESSION_MS });
      const cache = new NodeCache(p.client, '/exp');
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
  });
}
