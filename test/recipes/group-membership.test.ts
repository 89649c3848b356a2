// Proves GroupMembership against Apache ZooKeeper 3.8 and Warren: eight members joining at
// once each end up seeing all eight, and the others see one leave; five members whose
// connections are cut at random keep their nodes (same sessions) and their view; and a member
// whose sessions are forced to expire is seen to leave and re-join under a new session (its
// node is re-created), while its own view of the group is rebuilt.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { GroupMembership } from '../../src/recipes/index.js';
import type { RunningServer } from '../support/server-process.js';
import { targetSkipReason, TARGETS } from '../support/targets.js';
import { TcpProxy } from '../client/tcp-proxy.js';
import {
  connect,
  FAST_RECONNECT,
  randomMs,
  SHORT_SESSION_MS,
  sleep,
  startRecipeTarget,
  waitFor,
} from './support.js';

for (const target of TARGETS) {
  describe(`GroupMembership against ${target}`, { skip: targetSkipReason(target) }, () => {
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

    it('eight members see each other join and one leave', async () => {
      const factory = (): Promise<ZooKeeperClient> => connect(server.connectString);
      const members = Array.from(
        { length: 8 },
        (_, i) => new GroupMembership(factory, '/groups/a', `m${i}`, `data-${i}`),
      );
      try {
        await Promise.all(members.map((m) => m.start()));
        for (const m of members) await waitFor(() => m.members().size === 8, 'all eight');
        assert.equal(members[0]!.members().get('m5')?.toString(), 'data-5');
        const left: string[] = [];
        members[1]!.on('left', (m) => left.push(m.id));
        await members[7]!.close();
        await waitFor(() => left.includes('m7'), 'm7 left');
        assert.equal(members[1]!.members().size, 7);
        assert.throws(() => new GroupMembership(factory, '/groups/a', 'a/b'), RangeError);
      } finally {
        await Promise.all(members.map((m) => m.close()));
      }
      assert.deepEqual(await direct.getChildren('/groups/a'), []);
    });

    it('five members keep their view and their nodes while cut at random', async () => {
      const proxies = await Promise.all(
        Array.from({ length: 5 }, () => TcpProxy.start(server.port)),
      );
      const members = proxies.map(
        (proxy, i) =>
          new GroupMembership(
            () => connect(proxy.connectString, FAST_RECONNECT),
            '/groups/chaos',
            `m${i}`,
          ),
      );
      try {
        await Promise.all(members.map((m) => m.start()));
        const owners = await Promise.all(
          members.map(async (_, i) => (await direct.exists(`/groups/chaos/m${i}`))!.ephemeralOwner),
        );
        for (let i = 0; i < 30; i++) {
          await sleep(10 + randomMs(40));
          proxies[randomMs(proxies.length)]!.cut();
        }
        for (const m of members) await waitFor(() => m.members().size === 5, 'all five');
        for (let i = 0; i < 5; i++) {
          const stat = await direct.exists(`/groups/chaos/m${i}`);
          assert.equal(stat?.ephemeralOwner, owners[i], 'the same session still owns the node');
        }
      } finally {
        await Promise.all(members.map((m) => m.close()));
        await Promise.all(proxies.map((p) => p.stop()));
      }
    });

    it('re-joins under a new session after expiry', async () => {
      const proxy = await TcpProxy.start(server.port);
      const viaProxy = (): Promise<ZooKeeperClient> =>
        connect(proxy.connectString, { ...FAST_RECONNECT, sessionTimeoutMs: SHORT_SESSION_MS });
      const flaky = new GroupMembership(viaProxy, '/groups/exp', 'flaky');
      flaky.on('error', () => undefined);
      const steady = new GroupMembership(() => connect(server.connectString), '/groups/exp', 'ok');
      const seen: string[] = [];
      steady.on('joined', (m) => seen.push(`+${m.id}`));
      steady.on('left', (m) => seen.push(`-${m.id}`));
      try {
        await flaky.start();
        await steady.start();
        const owner = (await direct.exists('/groups/exp/flaky'))!.ephemeralOwner;
        proxy.setRefusing(true);
        proxy.cut();
        await waitFor(() => seen.includes('-flaky'), 'flaky left', 20_000);
        proxy.setRefusing(false);
        await waitFor(() => seen.lastIndexOf('+flaky') > seen.indexOf('-flaky'), 'back', 20_000);
        const stat = await direct.exists('/groups/exp/flaky');
        assert.notEqual(stat?.ephemeralOwner, owner);
        await waitFor(() => flaky.members().size === 2, 'flaky sees the group again', 20_000);
      } finally {
        await flaky.close();
        await steady.close();
        await proxy.stop();
      }
    });
  });
}
