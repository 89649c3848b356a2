// Proves watch delivery against Apache ZooKeeper 3.8 and Warren: one-shot watchers (getData,
// exists on a missing node, getChildren) fire once and are consumed; a persistent watch keeps
// firing, for the node and its children list; a persistent recursive watch sees every
// descendant's changes and never NodeChildrenChanged; removeWatches stops a persistent watch.
// Each change is followed by a sync on the watching client so every event due has arrived.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WatchedEvent, ZooKeeperClient } from '../../src/client/index.js';
import type { RunningServer } from '../support/server-process.js';
import { startTarget, targetSkipReason, TARGETS } from '../support/targets.js';
import { connected, nextEvent, within } from './support.js';

for (const target of TARGETS) {
  describe(`client watches against ${target}`, { skip: targetSkipReason(target) }, () => {
    let server: RunningServer;
    let client: ZooKeeperClient;
    let writer: ZooKeeperClient;
    before(async () => {
      server = await startTarget(target);
      client = await connected(server.connectString);
      writer = await connected(server.connectString);
    });
    after(async () => {
      await client?.close();
      await writer?.close();
      await server?.stop();
    });

    /** Makes a change with the other client, then lets every event reach `client`. */
    async function change(action: () => Promise<unknown>): Promise<void> {
      await action();
      await client.sync('/');
    }

    it('fires one-shot watchers once, then consumes them', async () => {
      await writer.create('/w1', { data: 'a' });
      const seen: WatchedEvent[] = [];
      await client.getData('/w1', { watch: (e) => seen.push(e) });
      await change(() => writer.setData('/w1', 'b'));
      await change(() => writer.setData('/w1', 'c'));
      assert.deepEqual(seen, [{ type: 'NodeDataChanged', path: '/w1' }]);

      const created = nextEvent();
      assert.equal(await client.exists('/w1/new', { watch: created.watch }), null);
      await writer.create('/w1/new');
      assert.deepEqual(await within(created.event, 5000, 'exists watch'), {
        type: 'NodeCreated',
        path: '/w1/new',
      });

      const children: WatchedEvent[] = [];
      await client.getChildren('/w1', { watch: (e) => children.push(e) });
      await change(() => writer.create('/w1/second'));
      await change(() => writer.create('/w1/third'));
      assert.deepEqual(children, [{ type: 'NodeChildrenChanged', path: '/w1' }]);

      const deleted = nextEvent();
      await client.getData('/w1/new', { watch: deleted.watch });
      await writer.delete('/w1/new');
      assert.deepEqual(await within(deleted.event, 5000, 'delete'), {
        type: 'NodeDeleted',
        path: '/w1/new',
      });
    });

    it('keeps a persistent watch firing for the node and its children', async () => {
      await writer.create('/p');
      const seen: WatchedEvent[] = [];
      await client.addWatch('/p', (e) => seen.push(e), { mode: 'persistent' });
      await change(() => writer.setData('/p', '1'));
      await change(() => writer.setData('/p', '2'));
      await change(() => writer.create('/p/c'));
      await change(() => writer.setData('/p/c', 'not seen: a grandchild change'));
      assert.deepEqual(seen, [
        { type: 'NodeDataChanged', path: '/p' },
        { type: 'NodeDataChanged', path: '/p' },
        { type: 'NodeChildrenChanged', path: '/p' },
      ]);
      await client.removeWatches('/p', 'any');
      await change(() => writer.setData('/p', '3'));
      assert.equal(seen.length, 3);
    });

    it('sends a recursive watch every descendant change, never NodeChildrenChanged', async () => {
      await writer.create('/r');
      const seen: WatchedEvent[] = [];
      await client.addWatch('/r', (e) => seen.push(e), { mode: 'persistentRecursive' });
      await change(() => writer.create('/r/a'));
      await change(() => writer.create('/r/a/b', { data: 'x' }));
      await change(() => writer.setData('/r/a/b', 'y'));
      await change(() => writer.delete('/r/a/b'));
      await change(() => writer.setData('/r', 'top'));
      assert.deepEqual(seen, [
        { type: 'NodeCreated', path: '/r/a' },
        { type: 'NodeCreated', path: '/r/a/b' },
        { type: 'NodeDataChanged', path: '/r/a/b' },
        { type: 'NodeDeleted', path: '/r/a/b' },
        { type: 'NodeDataChanged', path: '/r' },
      ]);
    });
  });
}
