// Proves every client operation and its typed errors against Apache ZooKeeper 3.8 (which
// proves the expectations) and against Warren: node CRUD with versions, every create mode,
// ACLs with digest auth, sync, getEphemerals, getAllChildrenNumber, whoAmI, transactions
// (per-op results on success and failure), multiRead, reconfig, auth failure, and a chroot.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Acls,
  AuthFailedError,
  BadVersionError,
  InvalidACLError,
  NoAuthError,
  NoChildrenForEphemeralsError,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  NoWatcherError,
  Perm,
  ReconfigDisabledError,
  TransactionError,
  ZooKeeperError,
  type ZooKeeperClient,
} from '../../src/client/index.js';
import type { RunningServer } from '../support/server-process.js';
import { startTarget, targetSkipReason, TARGETS } from '../support/targets.js';
import { connected, nextEvent, within } from './support.js';

for (const target of TARGETS) {
  describe(`client operations against ${target}`, { skip: targetSkipReason(target) }, () => {
    let server: RunningServer;
    let client: ZooKeeperClient;
    before(async () => {
      server = await startTarget(target, { extendedTypes: true });
      client = await connected(server.connectString);
    });
    after(async () => {
      await client?.close();
      await server?.stop();
    });

    it('creates, reads, sets, lists and deletes with versions and typed errors', async () => {
      assert.equal(await client.create('/ops', { data: 'root' }), '/ops');
      const { path, stat } = await client.create('/ops/a', { data: 'one', withStat: true });
      assert.equal(path, '/ops/a');
      assert.equal(stat.version, 0);
      const read = await client.getData('/ops/a');
      assert.equal(read.data?.toString(), 'one');
      assert.equal(read.stat.dataLength, 3);
      const set = await client.setData('/ops/a', 'two', { version: 0 });
      assert.equal(set.version, 1);
      await assert.rejects(client.setData('/ops/a', 'x', { version: 0 }), BadVersionError);
      await assert.rejects(client.create('/ops/a'), NodeExistsError);
      await assert.rejects(client.getData('/ops/missing'), (error: unknown) => {
        assert.ok(error instanceof NoNodeError);
        assert.ok(error instanceof ZooKeeperError);
        assert.equal(error.code, -101);
        assert.equal(error.codeName, 'noNode');
        assert.equal(error.message, '/ops/missing does not exist (getData)');
        return true;
      });
      await assert.rejects(client.delete('/ops'), NotEmptyError);
      assert.equal(await client.exists('/ops/missing'), null);
      assert.equal((await client.exists('/ops/a'))?.version, 1);
      await client.create('/ops/b', { data: null });
      assert.equal((await client.getData('/ops/b')).data, null);
      assert.deepEqual((await client.getChildren('/ops')).sort(), ['a', 'b']);
      const listed = await client.getChildren('/ops', { withStat: true });
      assert.equal(listed.stat.numChildren, 2);
      assert.equal(await client.getAllChildrenNumber('/ops'), 2);
      await assert.rejects(client.delete('/ops/a', { version: 0 }), BadVersionError);
      await client.delete('/ops/a', { version: 1 });
      await assert.rejects(client.delete('/ops/a'), NoNodeError);
    });

    it('creates in every mode: ephemeral, sequential, container, TTL', async () => {
      await client.create('/modes');
      assert.equal(
        await client.create('/modes/s-', { mode: 'persistentSequential' }),
        '/modes/s-0000000000',
      );
      const eph = await client.create('/modes/e', { mode: 'ephemeral', withStat: true });
      assert.equal(eph.stat.ephemeralOwner, client.sessionId);
      const es = await client.create('/modes/es-', { mode: 'ephemeralSequential' });
      assert.match(es, /^\/modes\/es-\d{10}$/);
      await assert.rejects(client.create('/modes/e/child'), NoChildrenForEphemeralsError);
      const container = await client.create('/modes/c', { mode: 'container', withStat: true });
      assert.equal(container.path, '/modes/c');
      assert.equal(container.stat.ephemeralOwner, 0n);
      const ttl = await client.create('/modes/t', { mode: 'persistentWithTtl', ttlMs: 60_000 });
      assert.equal(ttl, '/modes/t');
      const ttlSeq = await client.create('/modes/ts-', {
        mode: 'persistentSequentialWithTtl',
        ttlMs: 60_000,
      });
      assert.match(ttlSeq, /^\/modes\/ts-\d{10}$/);
      assert.deepEqual((await client.getEphemerals('/modes')).sort(), ['/modes/e', es]);
      await assert.rejects(client.create('/modes/x', { mode: 'persistentWithTtl' }), TypeError);
    });

    it('sets and reads ACLs, authenticates with digest and reports who it is', async () => {
      const other = await connected(server.connectString);
      try {
        await assert.rejects(client.create('/acl-bad', { acl: Acls.creatorAll }), InvalidACLError);
        await other.addAuth('digest', 'alice:secret');
        const who = await other.whoAmI();
        assert.ok(
          who.some((c) => c.authScheme === 'digest' && c.user === 'alice'),
          JSON.stringify(who),
        );
        await other.create('/acl', { data: 'x', acl: Acls.creatorAll });
        await assert.rejects(client.getData('/acl'), NoAuthError);
        const { acl, stat } = await other.getACL('/acl');
        assert.equal(acl[0]?.id.scheme, 'digest');
        assert.equal(stat.aversion, 0);
        const set = await other.setACL('/acl', Acls.openUnsafe, { version: 0 });
        assert.equal(set.aversion, 1);
        await assert.rejects(
          other.setACL('/acl', Acls.readUnsafe, { version: 0 }),
          BadVersionError,
        );
        assert.equal((await client.getData('/acl')).data?.toString(), 'x');
        assert.deepEqual((await client.getACL('/acl')).acl, [
          { perms: Perm.all, id: { scheme: 'world', id: 'anyone' } },
        ]);
      } finally {
        await other.close();
      }
    });

    it('syncs, and refuses reconfig on a standalone server', async () => {
      await client.sync('/');
      await assert.rejects(
        client.reconfig({ joiningServers: 'server.2=127.0.0.1:1:2' }),
        ReconfigDisabledError,
      );
    });

    it('commits a transaction with per-op results', async () => {
      await client.create('/txn', { data: 'v0' });
      const results = await client
        .transaction()
        .create('/txn/a', { data: 'a' })
        .create('/txn/s-', { mode: 'persistentSequential', withStat: true })
        .setData('/txn', 'v1', 0)
        .check('/txn', 1)
        .delete('/txn/a')
        .commit();
      assert.equal(results.length, 5);
      assert.deepEqual(results[0], { type: 'create', path: '/txn/a', stat: undefined });
      assert.equal(results[1]?.type, 'create');
      assert.match(results[1]?.type === 'create' ? results[1].path : '', /^\/txn\/s-\d{10}$/);
      assert.equal(results[2]?.type === 'setData' ? results[2].stat.version : -1, 1);
      assert.deepEqual(results.slice(3), [{ type: 'check' }, { type: 'delete' }]);
      assert.deepEqual(await client.transaction().commit(), []);
    });

    it('fails a transaction as a whole with a typed error carrying every result', async () => {
      await client.create('/txn-fail');
      const failing = client
        .transaction()
        .create('/txn-fail/a')
        .check('/txn-fail', 7)
        .create('/txn-fail/b');
      await assert.rejects(failing.commit(), (error: unknown) => {
        assert.ok(error instanceof TransactionError);
        assert.ok(error instanceof ZooKeeperError);
        assert.equal(error.code, -103);
        assert.equal(error.failedIndex, 1);
        assert.deepEqual(
          error.results.map((r) => (r.type === 'error' ? r.code : r.type)),
          [0, -103, -2],
        );
        assert.match(error.message, /op 2 of 3: \/txn-fail is not at the expected version/);
        return true;
      });
      assert.equal(await client.exists('/txn-fail/a'), null);
    });

    it('reads several nodes at once with multiRead, each op on its own', async () => {
      await client.create('/mr', { data: 'm' });
      await client.create('/mr/k');
      const results = await client.multiRead([
        { type: 'getData', path: '/mr' },
        { type: 'getChildren', path: '/mr' },
        { type: 'getData', path: '/mr/none' },
      ]);
      assert.equal(results[0]?.type === 'getData' ? results[0].data?.toString() : '', 'm');
      assert.deepEqual(results[1], { type: 'getChildren', children: ['k'] });
      assert.equal(results[2]?.type, 'error');
      assert.ok(results[2]?.type === 'error' && results[2].error instanceof NoNodeError);
    });

    it('checks and removes watches, with NoWatcher when there are none', async () => {
      await client.create('/cw');
      await assert.rejects(client.checkWatches('/cw', 'data'), NoWatcherError);
      await client.getData('/cw', { watch: () => undefined });
      await client.checkWatches('/cw', 'data');
      await client.removeWatches('/cw', 'data');
      await assert.rejects(client.checkWatches('/cw', 'data'), NoWatcherError);
      await assert.rejects(client.removeWatches('/cw', 'children'), NoWatcherError);
    });

    it('maps every path through a chroot, events and ephemerals included', async () => {
      await client.create('/app');
      const rooted = await connected(`${server.connectString}/app`);
      try {
        const { watch, event } = nextEvent();
        assert.equal(await rooted.exists('/x', { watch }), null);
        assert.equal(await rooted.create('/x', { mode: 'ephemeral' }), '/x');
        assert.deepEqual(await within(event, 5000, 'NodeCreated'), {
          type: 'NodeCreated',
          path: '/x',
        });
        assert.deepEqual(await rooted.getEphemerals(), ['/x']);
        assert.deepEqual(await rooted.getChildren('/'), ['x']);
        assert.ok((await client.exists('/app/x')) !== null);
        const [created] = await rooted.transaction().create('/y').commit();
        assert.deepEqual(created, { type: 'create', path: '/y', stat: undefined });
        await assert.rejects(rooted.getData('/none'), /^NoNodeError: \/none does not exist/);
      } finally {
        await rooted.close();
      }
      assert.equal(await client.exists('/app/x'), null);
    });

    it('fails the session for good when authentication fails', async () => {
      const doomed = await connected(server.connectString);
      const states: string[] = [];
      doomed.on('state', (s) => states.push(s));
      await assert.rejects(doomed.addAuth('nosuchscheme', 'x'), AuthFailedError);
      assert.equal(doomed.state, 'authFailed');
      assert.deepEqual(states, ['authFailed']);
      await assert.rejects(doomed.getData('/'), AuthFailedError);
      await doomed.close();
    });
  });
}
