// Proves PersistentEphemeralNode against Apache ZooKeeper 3.8 and Warren: a node deleted by
// another client comes back at once; one deleted while the owner's connection was cut comes
// back on reconnect; and after the owner's session is forced to expire, a new client from
// the factory re-creates it under a new session, also when the factory fails at first.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConnectionLossError, type ZooKeeperClient } from '../../src/client/index.js';
import { PersistentEphemeralNode } from '../../src/recipes/index.js';
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

for (const target of TARGETS) {
  describe(`PersistentEphemeralNode against ${target}`, { skip: targetSkipReason(target) }, () => {
    let server: RunningServer;
    let direct: ZooKeeperClient;
    let proxy: TcpProxy;
    before(async () => {
      server = await startRecipeTarget(target);
      direct = await connect(server.connectString);
      proxy = await TcpProxy.start(server.port);
    });
    after(async () => {
      await proxy?.stop();
      await direct?.close();
      await server?.stop();
    });

    const factory = (): Promise<ZooKeeperClient> =>
      connect(proxy.connectString, { ...FAST_RECONNECT, sessionTimeoutMs: SHORT_SESSION_MS });

    const ownedBy = async (path: string, node: PersistentEphemeralNode): Promise<boolean> => {
      const stat = await direct.exists(path);
      return stat !== null && stat.ephemeralOwner === node.client?.sessionId;
    };

    it('comes back after deletion and after a cut connection', async () => {
      const node = new PersistentEphemeralNode(factory, '/services/api/a', 'endpoint');
      try {
        await node.start();
        assert.ok(await ownedBy('/services/api/a', node));
        await direct.delete('/services/api/a');
        await waitFor(() => ownedBy('/services/api/a', node), 're-created');
        proxy.setRefusing(true);
        proxy.cut();
        await waitFor(() => node.client?.state === 'disconnected', 'disconnected');
        await direct.delete('/services/api/a');
        proxy.setRefusing(false);
        await waitFor(() => ownedBy('/services/api/a', node), 're-created on reconnect');
        const { data } = await direct.getData('/services/api/a');
        assert.equal(data?.toString(), 'endpoint');
      } finally {
        await node.close();
      }
      assert.equal(await direct.exists('/services/api/a'), null);
    });

    it('is re-created by a new session after expiry', async () => {
      const node = new PersistentEphemeralNode(factory, '/services/api/b');
      try {
        await node.start();
        const first = node.client!.sessionId;
        proxy.setRefusing(true);
        proxy.cut();
        await waitFor(
          async () => (await direct.exists('/services/api/b')) === null,
          'expiry',
          20_000,
        );
        proxy.setRefusing(false);
        await waitFor(() => ownedBy('/services/api/b', node), 're-created', 20_000);
        assert.notEqual(node.client!.sessionId, first);
      } finally {
        await node.close();
      }
    });

    it('retries the factory when it fails after an expiry', async () => {
      let calls = 0;
      const flaky = (): Promise<ZooKeeperClient> => {
        calls++;
        if (calls === 2 || calls === 3) {
          return Promise.reject(new ConnectionLossError(-4, 'factory down', '', 'connect'));
        }
        return factory();
      };
      const node = new PersistentEphemeralNode(flaky, '/services/api/c');
      node.on('error', () => undefined);
      try {
        await node.start();
        const first = node.client!.sessionId;
        proxy.setRefusing(true);
        proxy.cut();
        await waitFor(
          async () => (await direct.exists('/services/api/c')) === null,
          'expiry',
          20_000,
        );
        proxy.setRefusing(false);
        await waitFor(() => ownedBy('/services/api/c', node), 're-created', 20_000);
        assert.notEqual(node.client!.sessionId, first);
        assert.ok(calls >= 4, `factory calls: ${calls}`);
      } finally {
        await node.close();
      }
    });
  });
}
