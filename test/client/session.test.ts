// Proves the session machinery against Apache ZooKeeper 3.8 and Warren, with a TCP proxy
// between client and server that cuts, refuses or stalls connections: a dropped connection
// is re-established with the same session (its ephemerals live on), on another host of the
// connection string when its own is gone, and every watch is restored
// with setWatches/setWatches2, so a change made while disconnected fires on reconnect; a
// session that outlives its timeout surfaces `expired` and later calls fail with
// SessionExpiredError; pings keep an idle session and a silent server is dropped after 2/3
// of the timeout; per-call timeouts and AbortSignals; RequestTooLargeError before sending;
// and 1000 pipelined requests (with a cap of 64 outstanding) resolve in order.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  ClientClosedError,
  createClient,
  OperationTimeoutError,
  RequestTooLargeError,
  SessionExpiredError,
  type SessionState,
  type WatchedEvent,
  type ZooKeeperClient,
} from '../../src/client/index.js';
import type { RunningServer } from '../support/server-process.js';
import { startTarget, targetSkipReason, TARGETS } from '../support/targets.js';
import { connected, waitFor, within } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

const FAST_RECONNECT = { reconnectDelayMs: { initial: 20, max: 200 } };

for (const target of TARGETS) {
  describe(`client sessions against ${target}`, { skip: targetSkipReason(target) }, () => {
    let server: RunningServer;
    let proxy: TcpProxy;
    let direct: ZooKeeperClient;
    before(async () => {
      server = await startTarget(target);
      direct = await connected(server.connectString);
    });
    after(async () => {
      await direct?.close();
      await server?.stop();
    });
    const startProxy = async (): Promise<TcpProxy> => (proxy = await TcpProxy.start(server.port));
    const stopProxy = async (): Promise<void> => proxy?.stop();

    it('keeps the session and restores watches across a dropped connection', async () => {
      await startProxy();
      const client = await connected(proxy.connectString, FAST_RECONNECT);
      try {
        const states: SessionState[] = [];
        client.on('state', (s) => states.push(s));
        const sessionId = client.sessionId;
        await client.create('/rc', { data: '0' });
        await client.create('/rc/eph', { mode: 'ephemeral' });
        await client.create('/rc2');
        const data: WatchedEvent[] = [];
        const exist: WatchedEvent[] = [];
        const children: WatchedEvent[] = [];
        const recursive: WatchedEvent[] = [];
        await client.getData('/rc', { watch: (e) => data.push(e) });
        await client.exists('/rc/later', { watch: (e) => exist.push(e) });
        await client.getChildren('/rc', { watch: (e) => children.push(e) });
        await client.addWatch('/rc2', (e) => recursive.push(e), { mode: 'persistentRecursive' });
        assert.ok(client.lastZxidSeen > 0);

        proxy.setRefusing(true);
        proxy.cut();
        await waitFor(() => client.state === 'disconnected', 'disconnected');
        await direct.setData('/rc', '1');
        await direct.create('/rc/later');
        await direct.create('/rc2/missed');
        proxy.setRefusing(false);
        await waitFor(() => client.state === 'connected', 'reconnected');

        assert.equal(client.sessionId, sessionId);
        await client.sync('/');
        assert.deepEqual(data, [{ type: 'NodeDataChanged', path: '/rc' }]);
        assert.deepEqual(exist, [{ type: 'NodeCreated', path: '/rc/later' }]);
        assert.deepEqual(children, [{ type: 'NodeChildrenChanged', path: '/rc' }]);
        assert.ok((await direct.exists('/rc/eph')) !== null, 'the ephemeral survived');
        // Changes missed by a persistent watch are not replayed, but it is registered again.
        await direct.setData('/rc2/missed', 'after');
        await client.sync('/');
        assert.deepEqual(recursive, [{ type: 'NodeDataChanged', path: '/rc2/missed' }]);
        assert.deepEqual(states, ['disconnected', 'connected']);
        assert.ok(proxy.accepted >= 2);
      } finally {
        await client.close();
        await stopProxy();
      }
      assert.equal(await direct.exists('/rc/eph'), null, 'close removed the ephemeral');
    });

    it('moves the session to another host of the connection string', async () => {
      const first = await TcpProxy.start(server.port);
      const second = await TcpProxy.start(server.port);
      second.setRefusing(true);
      const hosts = `${first.connectString},${second.connectString}`;
      const client = await connected(hosts, FAST_RECONNECT);
      try {
        const sessionId = client.sessionId;
        await client.create('/moved', { mode: 'ephemeral' });
        assert.equal(client.server, first.connectString);
        second.setRefusing(false);
        first.setRefusing(true);
        first.cut();
        await waitFor(() => client.server === second.connectString, 'moved to the second host');
        assert.equal(client.sessionId, sessionId);
        assert.ok((await client.exists('/moved')) !== null);
        assert.deepEqual(await client.getEphemerals('/moved'), ['/moved']);
      } finally {
        await client.close();
        await first.stop();
        await second.stop();
      }
    });

    it('pings an idle session alive and drops a server that goes silent', async () => {
      await startProxy();
      const client = await connected(proxy.connectString, {
        ...FAST_RECONNECT,
        sessionTimeoutMs: 4000,
      });
      try {
        const states: SessionState[] = [];
        client.on('state', (s) => states.push(s));
        const sessionId = client.sessionId;
        await new Promise((resolve) => setTimeout(resolve, 6000));
        assert.equal(client.state, 'connected', 'pings kept the idle connection');
        assert.equal(proxy.accepted, 1);
        proxy.setStalled(true);
        const silentAt = Date.now();
        await waitFor(() => client.state === 'disconnected', 'drop on silence');
        const silentMs = Date.now() - silentAt;
        // 2/3 of 4 s after the last reply, which came at most a ping interval (T/3) before.
        assert.ok(silentMs >= 1200 && silentMs < 3500, `dropped after ${silentMs} ms`);
        proxy.setStalled(false);
        await waitFor(() => client.state === 'connected', 'reconnected');
        assert.equal(client.sessionId, sessionId);
        assert.deepEqual(states, ['disconnected', 'connected']);
      } finally {
        await client.close();
        await stopProxy();
      }
    });

    it('surfaces expiry as an event and a state, then fails calls', async () => {
      await startProxy();
      const client = await connected(proxy.connectString, {
        ...FAST_RECONNECT,
        sessionTimeoutMs: 4000,
      });
      try {
        const states = client.states();
        const expired = new Promise<void>((resolve) => client.once('expired', resolve));
        await client.create('/exp', { mode: 'ephemeral' });
        proxy.setRefusing(true);
        proxy.cut();
        await waitFor(async () => (await direct.exists('/exp')) === null, 'expiry', 15_000);
        proxy.setRefusing(false);
        await within(expired, 10_000, 'expired event');
        const seen: SessionState[] = [];
        for await (const state of states) seen.push(state);
        assert.deepEqual(seen, ['disconnected', 'expired']);
        assert.equal(client.state, 'expired');
        await assert.rejects(client.getData('/'), SessionExpiredError);
      } finally {
        await client.close();
        await stopProxy();
      }
    });

    it('times out and aborts single calls without losing the connection', async () => {
      await startProxy();
      const client = await connected(proxy.connectString);
      try {
        proxy.setStalled(true);
        await assert.rejects(client.getData('/', { timeoutMs: 200 }), OperationTimeoutError);
        const controller = new AbortController();
        const call = client.exists('/', { signal: controller.signal });
        controller.abort();
        await assert.rejects(call, { name: 'AbortError' });
        const already = AbortSignal.abort();
        await assert.rejects(client.exists('/', { signal: already }), { name: 'AbortError' });
        proxy.setStalled(false);
        assert.ok((await client.exists('/')) !== null);
        assert.equal(client.state, 'connected');
      } finally {
        const closed = new Promise<void>((resolve) => client.once('closed', resolve));
        await client.close();
        await within(closed, 1000, 'closed event');
        await stopProxy();
      }
      assert.equal(client.state, 'closed');
      await assert.rejects(client.getData('/'), ClientClosedError);
    });

    it('refuses a request over the size limit before sending it', async () => {
      const big = Buffer.alloc(1024 * 1024);
      await assert.rejects(direct.create('/big', { data: big }), (error: unknown) => {
        assert.ok(error instanceof RequestTooLargeError);
        assert.equal(error.requestBytesMax, 0xfffff);
        assert.match(error.message, /^create \/big: the encoded request is \d+ bytes, over/);
        return true;
      });
      await direct.create('/big', { data: Buffer.alloc(1000 * 1024) });
      await direct.delete('/big');
    });

    it('pipelines 1000 requests, at most 64 outstanding, resolved in order', async () => {
      const client = await connected(server.connectString, { maxOutstandingRequests: 64 });
      try {
        await client.create('/pipe');
        const calls = Array.from({ length: 1000 }, (_, i) => client.setData('/pipe', String(i)));
        const stats = await Promise.all(calls);
        assert.deepEqual(
          stats.map((s) => s.version),
          Array.from({ length: 1000 }, (_, i) => i + 1),
        );
        assert.equal((await client.getData('/pipe')).data?.toString(), '999');
      } finally {
        await client.close();
      }
    });
  });
}

describe('client TLS option', () => {
  it('speaks TLS to the server when `tls` is given', async () => {
    const chunks: Buffer[] = [];
    const listener = net.createServer((socket) => {
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as net.AddressInfo;
    const client = createClient(`127.0.0.1:${port}`, {
      tls: { rejectUnauthorized: false },
      connectTimeoutMs: 300,
      initialConnectTimeoutMs: 500,
    });
    try {
      await assert.rejects(client.connect(), /could not connect within 500 ms/);
      assert.equal(chunks[0]?.[0], 0x16, 'a TLS handshake record, not a ConnectRequest');
    } finally {
      await client.close();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });
});
