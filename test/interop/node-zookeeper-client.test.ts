// Proves that the npm client node-zookeeper-client 1.1 (pure JavaScript, its own jute codec,
// 44-byte ConnectRequest without the readOnly byte) works against the server: every create
// mode, versioned getData/setData, one-shot child and exists watchers, multi with per-op
// results, digest ACLs with addAuthInfo, ephemerals removed when their session closes as a
// second session observes, and the client-side mkdirp and removeRecursive helpers. Each
// scenario runs against Apache ZooKeeper (proving the expectations) and against Warren.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { digestId } from '../support/digest.js';
import {
  CreateMode,
  Event,
  Exception,
  Id,
  NodeZkClient,
  NzcACL,
  Permission,
  type Watcher,
} from '../support/node-zk-client.js';
import type { RunningServer } from '../support/server-process.js';
import { startTarget, targetSkipReason, TARGETS } from '../support/targets.js';

const EVENT_WAIT_MS = 10_000;
/** How long a watch that must not fire again is given to (wrongly) fire. */
const QUIET_MS = 300;

interface SeenEvent {
  type: number;
  path: string;
}

/** A watcher that records its events, and a promise for the first one. */
function recorder(): { watcher: Watcher; events: SeenEvent[]; first: Promise<SeenEvent> } {
  const events: SeenEvent[] = [];
  let fire: (event: SeenEvent) => void = () => undefined;
  const first = new Promise<SeenEvent>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no watch event in ${EVENT_WAIT_MS} ms`)),
      EVENT_WAIT_MS,
    );
    timer.unref();
    fire = (event) => {
      clearTimeout(timer);
      resolve(event);
    };
  });
  // Only awaited when a test needs the event; an unawaited timeout must not crash the file.
  first.catch(() => undefined);
  const watcher: Watcher = (event) => {
    const seen = { type: event.getType(), path: event.getPath() };
    events.push(seen);
    fire(seen);
  };
  return { watcher, events, first };
}

async function rejectsWithCode(promise: Promise<unknown>, code: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof Exception, `a ZooKeeper Exception: ${String(error)}`);
    assert.equal(error.getCode(), code, error.message);
    return true;
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

for (const target of TARGETS) {
  describe(
    `node-zookeeper-client against ${target}`,
    { skip: targetSkipReason(target), timeout: 300_000 },
    () => {
      let server: RunningServer | undefined;
      const clients: NodeZkClient[] = [];
      const connect = async (): Promise<NodeZkClient> => {
        assert.ok(server !== undefined, `${target} did not start (see the before hook)`);
        const client = await NodeZkClient.connect(server.connectString);
        clients.push(client);
        return client;
      };

      before(async () => {
        server = await startTarget(target);
      });
      after(async () => {
        await Promise.all(clients.map((client) => client.close()));
        await server?.stop();
      });

      it('creates nodes in every create mode', async () => {
        const zk = await connect();
        const root = '/nzc-modes';
        assert.equal(await zk.create(root, Buffer.from('r')), root);
        assert.equal(await zk.create(`${root}/p`, null, CreateMode.PERSISTENT), `${root}/p`);
        assert.equal(await zk.create(`${root}/e`, null, CreateMode.EPHEMERAL), `${root}/e`);
        const ps = await zk.create(`${root}/ps-`, null, CreateMode.PERSISTENT_SEQUENTIAL);
        const es = await zk.create(`${root}/es-`, null, CreateMode.EPHEMERAL_SEQUENTIAL);
        assert.equal(ps, `${root}/ps-0000000002`);
        assert.equal(es, `${root}/es-0000000003`);
        const ephemeral = await zk.exists(`${root}/e`);
        assert.ok(ephemeral !== null);
        assert.deepEqual(ephemeral.ephemeralOwner, zk.sessionId, 'ephemeralOwner is the session');
        const persistent = await zk.exists(`${root}/p`);
        assert.deepEqual(persistent?.ephemeralOwner, Buffer.alloc(8));
        await rejectsWithCode(zk.create(`${root}/p`), Exception.NODE_EXISTS);
        await rejectsWithCode(zk.create('/nzc-missing/child'), Exception.NO_NODE);
        await rejectsWithCode(zk.create(`${root}/e/child`), Exception.NO_CHILDREN_FOR_EPHEMERALS);
        assert.deepEqual((await zk.getChildren(root)).sort(), [
          'e',
          'es-0000000003',
          'p',
          'ps-0000000002',
        ]);
      });

      it('gets and sets data with versions', async () => {
        const zk = await connect();
        const path = '/nzc-data';
        await zk.create(path, Buffer.from('v0'));
        const read = await zk.getData(path);
        assert.equal(read.data?.toString(), 'v0');
        assert.equal(read.stat.version, 0);
        assert.equal(read.stat.dataLength, 2);
        assert.equal((await zk.setData(path, Buffer.from('v1'), 0)).version, 1);
        await rejectsWithCode(zk.setData(path, Buffer.from('no'), 0), Exception.BAD_VERSION);
        assert.equal((await zk.setData(path, Buffer.from('v2!'), -1)).version, 2);
        const again = await zk.getData(path);
        assert.equal(again.data?.toString(), 'v2!');
        assert.deepEqual(again.stat.mzxid.compare(again.stat.czxid), 1, 'mzxid advanced');
        await rejectsWithCode(zk.remove(path, 1), Exception.BAD_VERSION);
        await zk.remove(path, 2);
        await rejectsWithCode(zk.getData(path), Exception.NO_NODE);
        await zk.create(path, null);
        assert.equal((await zk.getData(path)).data, undefined, 'null data reads as undefined');
      });

      it('fires a child watcher once when another session adds children', async () => {
        const zk = await connect();
        const other = await connect();
        const root = '/nzc-children';
        await zk.create(root);
        const watch = recorder();
        assert.deepEqual(await zk.getChildren(root, watch.watcher), []);
        await other.create(`${root}/a`);
        assert.deepEqual(await watch.first, { type: Event.NODE_CHILDREN_CHANGED, path: root });
        await other.create(`${root}/b`);
        await sleep(QUIET_MS);
        assert.equal(watch.events.length, 1, 'a watch fires once');
        assert.deepEqual((await zk.getChildren(root)).sort(), ['a', 'b']);
      });

      it('fires exists and data watchers on create, change and delete', async () => {
        const zk = await connect();
        const other = await connect();
        const path = '/nzc-exists';
        const created = recorder();
        assert.equal(await zk.exists(path, created.watcher), null);
        await other.create(path, Buffer.from('x'));
        assert.deepEqual(await created.first, { type: Event.NODE_CREATED, path });
        const changed = recorder();
        await zk.getData(path, changed.watcher);
        await other.setData(path, Buffer.from('y'));
        assert.deepEqual(await changed.first, { type: Event.NODE_DATA_CHANGED, path });
        const deleted = recorder();
        assert.ok((await zk.exists(path, deleted.watcher)) !== null);
        await other.remove(path);
        assert.deepEqual(await deleted.first, { type: Event.NODE_DELETED, path });
        await sleep(QUIET_MS);
        assert.deepEqual(
          [created.events.length, changed.events.length, deleted.events.length],
          [1, 1, 1],
        );
      });

      it('commits a transaction, and a failing one changes nothing', async () => {
        const zk = await connect();
        const root = '/nzc-txn';
        await zk.create(root);
        await zk.create(`${root}/old`, Buffer.from('o'));
        const ok = await zk.commit((t) =>
          t
            .create(`${root}/new`, Buffer.from('n'))
            .setData(`${root}/old`, Buffer.from('p'), 0)
            .check(`${root}/old`, 1)
            .remove(`${root}/old`, 1),
        );
        assert.equal(ok.error, null);
        assert.deepEqual(
          ok.results.map((r) => [r.type, r.path ?? null, r.stat?.version ?? null]),
          [
            [1, `${root}/new`, null],
            [5, null, 1],
            [13, null, null],
            [2, null, null],
          ],
        );
        const failed = await zk.commit((t) =>
          t
            .create(`${root}/never`)
            .check(`${root}/new`, 7)
            .setData(`${root}/new`, Buffer.from('z')),
        );
        assert.ok(failed.error instanceof Exception);
        assert.equal(failed.error.getCode(), Exception.BAD_VERSION);
        // Every result is an ERROR (-1) entry: OK before the failing op, -2 after it.
        assert.deepEqual(
          failed.results.map((r) => [r.type, r.err]),
          [
            [-1, 0],
            [-1, Exception.BAD_VERSION],
            [-1, Exception.RUNTIME_INCONSISTENCY],
          ],
        );
        assert.equal(await zk.exists(`${root}/never`), null);
        assert.equal((await zk.getData(`${root}/new`)).data?.toString(), 'n');
      });

      it('enforces digest ACLs and accepts them after addAuthInfo', async () => {
        const owner = await connect();
        const stranger = await connect();
        const path = '/nzc-acl';
        owner.addAuthInfo('digest', 'nzc:pw');
        const acl = [new NzcACL(Permission.ALL, new Id('digest', digestId('nzc', 'pw')))];
        await owner.create(path, Buffer.from('s'), CreateMode.PERSISTENT, acl);
        assert.equal((await owner.getData(path)).data?.toString(), 's');
        await rejectsWithCode(stranger.getData(path), Exception.NO_AUTH);
        await rejectsWithCode(stranger.setData(path, Buffer.from('x')), Exception.NO_AUTH);
        await rejectsWithCode(stranger.getACL(path), Exception.NO_AUTH);
        stranger.addAuthInfo('digest', 'nzc:pw');
        assert.equal((await stranger.getData(path)).data?.toString(), 's');
        const { acls, stat } = await stranger.getACL(path);
        assert.deepEqual(
          acls.map((a) => [a.permission, a.id.scheme, a.id.id]),
          [[Permission.ALL, 'digest', digestId('nzc', 'pw')]],
        );
        assert.equal(stat.aversion, 0);
        // CREATOR_ALL_ACL (auth, '') becomes the creator's authenticated ids.
        await owner.create(`${path}-creator`, null, CreateMode.PERSISTENT, NzcACL.CREATOR_ALL_ACL);
        const creator = await owner.getACL(`${path}-creator`);
        assert.deepEqual(
          creator.acls.map((a) => [a.permission, a.id.scheme, a.id.id]),
          [[Permission.ALL, 'digest', digestId('nzc', 'pw')]],
        );
        assert.equal((await owner.setACL(path, NzcACL.READ_ACL_UNSAFE, 0)).aversion, 1);
        await rejectsWithCode(owner.setData(path, Buffer.from('w')), Exception.NO_AUTH);
        await rejectsWithCode(
          owner.create(`${path}-bad`, null, CreateMode.PERSISTENT, [
            new NzcACL(Permission.ALL, new Id('digest', 'not-a-digest-id')),
          ]),
          Exception.INVALID_ACL,
        );
      });

      it('removes ephemerals when their session closes, as another session sees', async () => {
        const owner = await connect();
        const observer = await connect();
        const root = '/nzc-ephemeral';
        await observer.create(root);
        await owner.create(`${root}/e`, Buffer.from('e'), CreateMode.EPHEMERAL);
        const seq = await owner.create(`${root}/s-`, null, CreateMode.EPHEMERAL_SEQUENTIAL);
        assert.deepEqual((await observer.getChildren(root)).sort(), [
          'e',
          seq.slice(root.length + 1),
        ]);
        const gone = recorder();
        assert.ok((await observer.exists(`${root}/e`, gone.watcher)) !== null);
        const children = recorder();
        await observer.getChildren(root, children.watcher);
        await owner.close();
        assert.deepEqual(await gone.first, { type: Event.NODE_DELETED, path: `${root}/e` });
        assert.deepEqual(await children.first, { type: Event.NODE_CHILDREN_CHANGED, path: root });
        assert.deepEqual(await observer.getChildren(root), []);
      });

      it('makes parents with mkdirp and removes trees with removeRecursive', async () => {
        const zk = await connect();
        assert.equal(await zk.mkdirp('/nzc-tree/a/b/c'), '/nzc-tree/a/b/c');
        assert.equal(await zk.mkdirp('/nzc-tree/a/b/c'), '/nzc-tree/a/b/c', 'idempotent');
        await zk.mkdirp('/nzc-tree/a/d');
        await zk.create('/nzc-tree/x', Buffer.from('x'));
        assert.deepEqual((await zk.getChildren('/nzc-tree/a')).sort(), ['b', 'd']);
        await rejectsWithCode(zk.remove('/nzc-tree'), Exception.NOT_EMPTY);
        // With async 3, the client's listSubTreeBFS lists only the node and its children, so
        // removeRecursive handles one level below the node (deeper trees fail with NOT_EMPTY
        // against ZooKeeper too): remove the tree bottom-up, one level at a time.
        await zk.removeRecursive('/nzc-tree/a/b');
        assert.deepEqual(await zk.getChildren('/nzc-tree/a'), ['d']);
        await zk.removeRecursive('/nzc-tree/a');
        await zk.removeRecursive('/nzc-tree');
        assert.equal(await zk.exists('/nzc-tree'), null);
      });
    },
  );
}
