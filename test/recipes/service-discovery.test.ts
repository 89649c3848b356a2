// Proves ServiceDiscovery against Apache ZooKeeper 3.8 and Warren: instances registered by
// several processes are listed with their JSON payload, by service; a round-robin provider
// cycles through every instance and a random one picks only live ones; a provider sees
// instances come and go; and after a forced session expiry the registration is re-created
// and a provider on an expired session rebuilds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { ServiceDiscovery, type ServiceInstance } from '../../src/recipes/index.js';
import type { RunningServer } from '../support/server-process.js';
import { targetSkipReason, TARGETS } from '../support/targets.js';
import { TcpProxy } from '../client/tcp-proxy.js';
import {
  connect,
  FAST_RECONNECT,
  SHORT_SESSION_MS,
  startRecipeTarget,
  waitFor,
} from './support.js';

function api(i: number): ServiceInstance<{ zone: string }> {
  return {
    name: 'api',
    id: `api-${i}`,
    address: '10.0.0.1',
    port: 8000 + i,
    payload: { zone: `z${i}` },
  };
}

for (const target of TARGETS) {
  describe(`ServiceDiscovery against ${target}`, { skip: targetSkipReason(target) }, () => {
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

    it('lists instances and picks them round-robin and at random', async () => {
      const factory = (): Promise<ZooKeeperClient> => connect(server.connectString);
      const hosts = [0, 1, 2].map(() => new ServiceDiscovery(factory, '/services'));
      const reader = new ServiceDiscovery(factory, '/services');
      try {
        await Promise.all(hosts.map((h, i) => h.register(api(i))));
        await hosts[0]!.register({ name: 'db', id: 'db-0', address: 'db.local', port: 5432 });
        assert.deepEqual(await reader.queryForNames(), ['api', 'db']);
        const listed = await reader.getInstances<{ zone: string }>('api');
        assert.deepEqual(listed, [api(0), api(1), api(2)]);
        await direct.create('/services/api/junk', { data: 'not json' });
        const rr = reader.provider('api', { strategy: 'roundRobin' });
        const random = reader.provider('api', { strategy: 'random' });
        await rr.start();
        await random.start();
        const picks = Array.from({ length: 6 }, () => rr.getInstance()?.id);
        assert.deepEqual(picks, ['api-0', 'api-1', 'api-2', 'api-0', 'api-1', 'api-2']);
        for (let i = 0; i < 20; i++) assert.match(random.getInstance()?.id ?? '', /^api-[012]$/);
        await hosts[1]!.unregister('api', 'api-1');
        await waitFor(() => rr.getAllInstances().length === 2, 'api-1 gone');
        await hosts[1]!.register(api(7));
        await waitFor(() => rr.getAllInstances().some((s) => s.id === 'api-7'), 'api-7 seen');
        await rr.close();
        await random.close();
        assert.equal((await reader.getInstances('none')).length, 0);
      } finally {
        await Promise.all([...hosts, reader].map((d) => d.close()));
      }
      assert.deepEqual((await direct.getChildren('/services/api')).sort(), ['junk']);
    });

    it('keeps a registration and a provider through session expiry', async () => {
      const proxy = await TcpProxy.start(server.port);
      const viaProxy = (): Promise<ZooKeeperClient> =>
        connect(proxy.connectString, { ...FAST_RECONNECT, sessionTimeoutMs: SHORT_SESSION_MS });
      const flaky = new ServiceDiscovery(viaProxy, '/svc2');
      const steady = new ServiceDiscovery(() => connect(server.connectString), '/svc2');
      try {
        await flaky.register({ name: 'web', id: 'w1', address: 'h1', port: 80 });
        await steady.register({ name: 'web', id: 'w2', address: 'h2', port: 80 });
        const provider = flaky.provider('web');
        await provider.start();
        await waitFor(() => provider.getAllInstances().length === 2, 'both seen');
        const owner = (await direct.exists('/svc2/web/w1'))!.ephemeralOwner;
        proxy.setRefusing(true);
        proxy.cut();
        await waitFor(async () => (await direct.exists('/svc2/web/w1')) === null, 'expiry', 20_000);
        await steady.register({ name: 'web', id: 'w3', address: 'h3', port: 80 });
        proxy.setRefusing(false);
        await waitFor(
          async () => ((await direct.exists('/svc2/web/w1'))?.ephemeralOwner ?? owner) !== owner,
          're-registered',
          20_000,
        );
        await waitFor(() => provider.getAllInstances().length === 3, 'provider rebuilt', 20_000);
        await provider.close();
      } finally {
        await flaky.close();
        await steady.close();
        await proxy.stop();
      }
    });
  });
}
