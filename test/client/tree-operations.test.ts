// Proves create with parents and deleteRecursive against a real Warren: missing ancestors are
// made persistent and empty with the node's ACL, under a chroot too, and clients creating
// below the same missing ancestors at once all succeed; deleteRecursive removes a subtree of
// several multi batches and counts it, refuses one over nodesMax before deleting anything,
// and finishes while another client deletes the same subtree or adds children to it; a
// subtree that never stops growing ends in NotEmptyError after a few rounds (a fake client).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Acls,
  NotEmptyError,
  Perm,
  SubtreeTooLargeError,
  Transaction,
  type ZooKeeperClient,
} from '../../src/client/index.js';
import {
  ancestorsOf,
  deleteSubtree,
  type SubtreeClient,
} from '../../src/client/tree-operations.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';
import { connected } from './support.js';

/** `count` children under each of `parents`, in one transaction per parent. */
async function populate(client: ZooKeeperClient, parents: string[], count: number): Promise<void> {
  for (const parent of parents) {
    const tx = client.transaction();
    for (let i = 0; i < count; i++) tx.create(`${parent}/n${i}`);
    await tx.commit();
  }
}

describe('deleteRecursive units', () => {
  it('gives up with NotEmptyError when children keep appearing', async () => {
    let listed = 0;
    // A subtree that gains a child every time it is listed, so its root is never empty.
    const growing: SubtreeClient = {
      getChildren: (path) => Promise.resolve(path === '/x' ? [`n${listed++}`] : []),
      delete: (path) =>
        path === '/x' ? Promise.reject(new NotEmptyError(-111, 'not empty')) : Promise.resolve(),
      transaction: () =>
        new Transaction(() => Promise.reject(new NotEmptyError(-111, 'not empty'))),
    };
    await assert.rejects(
      deleteSubtree(growing, '/x', {}),
      (error: unknown) =>
        error instanceof NotEmptyError && /kept gaining children over 5 rounds/.test(error.message),
    );
    assert.equal(listed, 5);
    assert.deepEqual(ancestorsOf('/a/b/c'), ['/a', '/a/b']);
    assert.deepEqual(ancestorsOf('/a'), []);
  });
});

describe('create with parents and deleteRecursive against warren', () => {
  let server: RunningServer;
  let client: ZooKeeperClient;
  let other: ZooKeeperClient;
  before(async () => {
    server = await startWarren();
    client = await connected(server.connectString);
    other = await connected(server.connectString);
  });
  after(async () => {
    await client?.close();
    await other?.close();
    await server?.stop();
  });

  it('creates missing ancestors as empty persistent nodes with the same ACL', async () => {
    const acl = [
      { perms: Perm.read | Perm.write | Perm.create | Perm.delete, id: Acls.openUnsafe[0]!.id },
    ];
    const made = await client.create('/mk/a/b/leaf', { data: 'x', acl, parents: true });
    assert.equal(made, '/mk/a/b/leaf');
    for (const ancestor of ['/mk', '/mk/a', '/mk/a/b']) {
      const { data, stat } = await client.getData(ancestor);
      assert.equal(data, null);
      assert.equal(stat.ephemeralOwner, 0n);
      assert.deepEqual((await client.getACL(ancestor)).acl, acl);
    }
    assert.equal((await client.getData('/mk/a/b/leaf')).data?.toString(), 'x');
    const seq = await client.create('/mk/q/item-', { mode: 'ephemeralSequential', parents: true });
    assert.match(seq, /^\/mk\/q\/item-\d{10}$/);
    assert.throws(() => client.transaction().create('/mk/t/x', { parents: true }), TypeError);
  });

  it('works under a chroot, and concurrent creators share the missing ancestors', async () => {
    await client.create('/root');
    const chrooted = await connected(`${server.connectString}/root`);
    const others = await Promise.all([1, 2, 3].map(() => connected(server.connectString)));
    try {
      assert.equal(await chrooted.create('/x/y', { parents: true }), '/x/y');
      assert.notEqual(await client.exists('/root/x/y'), null);
      const all = [client, ...others];
      const made = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          all[i % all.length]!.create(`/race/d1/d2/d3/leaf${i}`, { parents: true }),
        ),
      );
      assert.equal(new Set(made).size, 24);
      assert.equal((await client.getChildren('/race/d1/d2/d3')).length, 24);
    } finally {
      await chrooted.close();
      await Promise.all(others.map((c) => c.close()));
    }
  });

  it('deletes a subtree in batches, counts it, and tolerates a missing node', async () => {
    await client.create('/big/a/b', { parents: true });
    await populate(client, ['/big', '/big/a', '/big/a/b'], 900);
    const total = 3 + 3 * 900;
    assert.equal(await client.getAllChildrenNumber('/big'), total - 1);
    assert.equal(await client.deleteRecursive('/big'), total);
    assert.equal(await client.exists('/big'), null);
    assert.equal(await client.deleteRecursive('/big'), 0);
    await assert.rejects(client.deleteRecursive('/'), TypeError);
  });

  it('refuses a subtree over nodesMax before deleting anything', async () => {
    await client.create('/capped');
    await populate(client, ['/capped'], 20);
    await assert.rejects(
      client.deleteRecursive('/capped', { nodesMax: 10 }),
      (error: unknown) =>
        error instanceof SubtreeTooLargeError &&
        error.code === 'WARREN_SUBTREE_TOO_LARGE' &&
        /nothing was deleted/.test(error.message),
    );
    assert.equal((await client.getChildren('/capped')).length, 20);
    assert.equal(await client.deleteRecursive('/capped', { nodesMax: 21 }), 21);
  });

  it('finishes while another client deletes the same subtree', async () => {
    await client.create('/both/a', { parents: true });
    await client.create('/both/b');
    await populate(client, ['/both/a', '/both/b'], 300);
    const counts = await Promise.all([
      client.deleteRecursive('/both'),
      other.deleteRecursive('/both'),
    ]);
    assert.equal(counts[0] + counts[1], 603);
    assert.equal(await client.exists('/both'), null);
  });

  it('finishes while another client adds children', async () => {
    await client.create('/grow/a', { parents: true });
    await populate(client, ['/grow/a'], 200);
    // A burst of creates in flight with the delete: some land before it lists /grow/a, some
    // after (NotEmpty: listed again), the rest fail with NoNode once /grow/a is gone.
    const burst = Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => other.create(`/grow/a/late${i}`)),
    );
    const deleted = await client.deleteRecursive('/grow');
    const added = (await burst).filter((r) => r.status === 'fulfilled').length;
    assert.equal(await client.exists('/grow'), null);
    assert.equal(deleted, 202 + added);
  });
});
