// Proves watchEvents against a real Warren: each kind yields its events in order ('data' the
// node's own, 'children' its list, 'persistentRecursive' every descendant's); `break` ends the
// stream and removes the server's watch unless another stream at the path still listens; an
// AbortSignal and close() end a `for await` loop without an error; a full buffer fails with
// WatchOverflowError after the buffered events, or drops the oldest; and the watch survives a
// dropped connection (restored with setWatches2).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  NoWatcherError,
  WatchOverflowError,
  type WatchEventStream,
  type WatchedEvent,
  type ZooKeeperClient,
} from '../../src/client/index.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';
import { connected, waitFor, within } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

/** The next `count` events of a stream. */
async function take(stream: WatchEventStream, count: number): Promise<WatchedEvent[]> {
  const out: WatchedEvent[] = [];
  while (out.length < count) {
    const next = await within(stream.next(), 5_000, `event ${out.length + 1} of ${count}`);
    if (next.done === true) assert.fail(`the stream ended after ${out.length} events`);
    out.push(next.value);
  }
  return out;
}

describe('watchEvents against warren', () => {
  let server: RunningServer;
  let client: ZooKeeperClient;
  let writer: ZooKeeperClient;
  before(async () => {
    server = await startWarren();
    client = await connected(server.connectString);
    writer = await connected(server.connectString);
  });
  after(async () => {
    await client?.close();
    await writer?.close();
    await server?.stop();
  });

  it('yields the events of each kind, in order', async () => {
    const data = client.watchEvents('/k', { kind: 'data' });
    const children = client.watchEvents('/k', { kind: 'children' });
    const tree = client.watchEvents('/k', { kind: 'persistentRecursive' });
    await Promise.all([data.ready, children.ready, tree.ready]);
    await writer.create('/k');
    await writer.setData('/k', '1');
    await writer.create('/k/c');
    await writer.setData('/k/c', '2');
    await writer.delete('/k/c');
    await writer.delete('/k');
    assert.deepEqual(
      (await take(data, 3)).map((e) => e.type),
      ['NodeCreated', 'NodeDataChanged', 'NodeDeleted'],
    );
    assert.deepEqual(
      (await take(children, 3)).map((e) => e.type),
      ['NodeChildrenChanged', 'NodeChildrenChanged', 'NodeDeleted'],
    );
    assert.deepEqual(
      (await take(tree, 6)).map((e) => `${e.type} ${e.path}`),
      [
        'NodeCreated /k',
        'NodeDataChanged /k',
        'NodeCreated /k/c',
        'NodeDataChanged /k/c',
        'NodeDeleted /k/c',
        'NodeDeleted /k',
      ],
    );
    await Promise.all([data.close(), children.close(), tree.close()]);
  });

  it('removes the watch on break, unless another stream at the path listens', async () => {
    await writer.create('/b');
    const first = client.watchEvents('/b');
    const second = client.watchEvents('/b', { kind: 'data' });
    await Promise.all([first.ready, second.ready]);
    await writer.setData('/b', '1');
    for await (const event of first) {
      assert.equal(event.type, 'NodeDataChanged');
      break;
    }
    await client.checkWatches('/b', 'persistent');
    await writer.setData('/b', '2');
    assert.equal((await take(second, 2)).length, 2);
    await second.close();
    await waitFor(
      () =>
        client.checkWatches('/b', 'persistent').then(
          () => false,
          (error: unknown) => error instanceof NoWatcherError,
        ),
      'the server watch to go',
    );
    assert.deepEqual(await first.next(), { value: undefined, done: true });
  });

  it('ends a for-await loop cleanly on abort and on close', async () => {
    await writer.create('/e');
    const controller = new AbortController();
    const seen: string[] = [];
    const stream = client.watchEvents('/e', { signal: controller.signal });
    await stream.ready;
    const loop = (async () => {
      for await (const event of stream) {
        seen.push(event.type);
        controller.abort();
      }
    })();
    await writer.setData('/e', 'x');
    await within(loop, 5_000, 'the aborted loop');
    assert.deepEqual(seen, ['NodeDataChanged']);

    const closing = await connected(server.connectString);
    const last = closing.watchEvents('/e');
    await last.ready;
    await writer.setData('/e', 'y');
    await closing.sync('/');
    await closing.close();
    const after = [];
    for await (const event of last) after.push(event.type);
    assert.deepEqual(after, ['NodeDataChanged']);
  });

  it('fails after the buffered events on overflow, or drops the oldest', async () => {
    await writer.create('/o', { data: '0' });
    const failing = client.watchEvents('/o', { bufferMax: 2 });
    const dropping = client.watchEvents('/o', { bufferMax: 2, overflow: 'dropOldest' });
    await Promise.all([failing.ready, dropping.ready]);
    for (let i = 1; i <= 4; i++) await writer.setData('/o', String(i));
    await writer.delete('/o');
    await client.sync('/');
    assert.equal((await take(failing, 2)).length, 2);
    await assert.rejects(failing.next(), WatchOverflowError);
    assert.deepEqual(await failing.next(), { value: undefined, done: true });
    assert.deepEqual(
      (await take(dropping, 2)).map((e) => e.type),
      ['NodeDataChanged', 'NodeDeleted'],
    );
    await dropping.close();
  });

  it('keeps watching across a dropped connection', async () => {
    const proxy = await TcpProxy.start(server.port);
    const viaProxy = await connected(proxy.connectString, {
      reconnectDelayMs: { initial: 20, max: 200 },
    });
    try {
      await writer.create('/r');
      const stream = viaProxy.watchEvents('/r');
      await stream.ready;
      const back = new Promise<void>((resolve) => viaProxy.once('connected', resolve));
      proxy.cut();
      await within(back, 5_000, 'the reconnect');
      await viaProxy.sync('/');
      // A change while away is not replayed for persistent watches (ZooKeeper's setWatches2
      // re-adds them only); one after the reconnect must arrive.
      await writer.setData('/r', 'after');
      assert.deepEqual(await take(stream, 1), [{ type: 'NodeDataChanged', path: '/r' }]);
      await stream.close();
    } finally {
      await viaProxy.close();
      await proxy.stop();
    }
  });
});
