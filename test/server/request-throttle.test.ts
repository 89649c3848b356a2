/**
 * Server-wide request limits after ZooKeeper's (server/request-throttle.ts):
 * globalOutstandingLimit stops reading busy connections, requestThrottleLimit makes requests
 * wait their turn, throttledOpWaitTime answers the ones that waited too long ThrottledOp.
 * In each case every request is answered, in order, acknowledged writes are all there, and
 * another client keeps being answered.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PROMETHEUS_PROVIDER } from '../../src/config/config-operations.js';
import { Err } from '../../src/protocol/error-codes.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { scrapeMetrics, sampleOf } from '../support/metrics-scrape.js';
import { freePort, LOOPBACK_HOST } from '../support/ports.js';
import { RawClient, type RawReply } from '../support/raw-client.js';
import { slowestProbe } from '../support/slowest-probe.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

const acl = [...OPEN_ACL_UNSAFE];
const options = { timeoutMs: 30_000 };

async function startWithMetrics(config: Record<string, string>) {
  const metricsPort = await freePort();
  const server = await startWarren({
    config: {
      'metricsProvider.className': PROMETHEUS_PROVIDER,
      'metricsProvider.httpHost': LOOPBACK_HOST,
      'metricsProvider.httpPort': String(metricsPort),
      ...config,
    },
  });
  return { server, metricsPort };
}

/** `count` creates under `/parent`, pipelined on one connection. */
function creates(client: RawClient, parent: string, count: number): Promise<RawReply[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      client.request({
        type: OpCode.create,
        path: `${parent}/n${i}`,
        data: Buffer.from(String(i)),
        acl,
        flags: 0,
        ttl: -1,
      }),
    ),
  );
}

async function mkdir(client: RawClient, path: string): Promise<void> {
  const reply = await client.request({
    type: OpCode.create,
    path,
    data: null,
    acl,
    flags: 0,
    ttl: -1,
  });
  assert.equal(reply.header.err, Err.ok);
}

async function childCount(client: RawClient, path: string): Promise<number> {
  const reply = await client.request({ type: OpCode.getChildren, path, watch: false });
  assert.equal(reply.response?.kind, 'children');
  return reply.response.children.length;
}

describe('globalOutstandingLimit', () => {
  let server: RunningServer;
  let metricsPort: number;
  before(async () => {
    ({ server, metricsPort } = await startWithMetrics({ globalOutstandingLimit: '20' }));
  });
  after(async () => server?.stop());

  it('stops reading busy connections past the limit; all writes land, others are served', async () => {
    const writers = await Promise.all(
      [0, 1, 2].map(() => RawClient.connect(server.host, server.port, options)),
    );
    const probe = await RawClient.connect(server.host, server.port, options);
    await mkdir(probe, '/g');
    for (const [w, writer] of writers.entries()) await mkdir(writer, `/g/${w}`);
    const work = Promise.all(writers.map((writer, w) => creates(writer, `/g/${w}`, 500)));
    const slowest = await slowestProbe(probe, work);
    for (const replies of await work) {
      for (const reply of replies) assert.equal(reply.header.err, Err.ok);
    }
    for (const w of [0, 1, 2]) assert.equal(await childCount(probe, `/g/${w}`), 500);
    const samples = await scrapeMetrics(metricsPort);
    assert.ok(sampleOf(samples, 'warren_global_outstanding_pauses_total') > 0, 'it paused');
    assert.ok(slowest < 1000, `exists('/') took up to ${Math.round(slowest)} ms`);
    for (const client of [...writers, probe]) {
      assert.deepEqual(client.protocolErrors, []);
      await client.close();
    }
  });
});

describe('requestThrottleLimit', () => {
  let server: RunningServer;
  let metricsPort: number;
  before(async () => {
    ({ server, metricsPort } = await startWithMetrics({ requestThrottleLimit: '2' }));
  });
  after(async () => server?.stop());

  it('makes requests wait their turn, in order, and loses none', async () => {
    const writers = await Promise.all(
      [0, 1, 2].map(() => RawClient.connect(server.host, server.port, options)),
    );
    const probe = await RawClient.connect(server.host, server.port, options);
    await mkdir(probe, '/t');
    for (const [w, writer] of writers.entries()) await mkdir(writer, `/t/${w}`);
    const work = Promise.all(writers.map((writer, w) => creates(writer, `/t/${w}`, 300)));
    const slowest = await slowestProbe(probe, work);
    for (const replies of await work) {
      // Replies in order (RawClient checks xids), each write with a higher zxid.
      let zxid = 0;
      for (const reply of replies) {
        assert.equal(reply.header.err, Err.ok);
        assert.ok(reply.header.zxid > zxid);
        zxid = reply.header.zxid;
      }
    }
    for (const w of [0, 1, 2]) assert.equal(await childCount(probe, `/t/${w}`), 300);
    const samples = await scrapeMetrics(metricsPort);
    assert.ok(sampleOf(samples, 'warren_request_throttle_waits_total') > 0, 'requests waited');
    assert.equal(sampleOf(samples, 'warren_requests_in_process'), 0);
    assert.ok(slowest < 1000, `exists('/') took up to ${Math.round(slowest)} ms`);
    for (const client of [...writers, probe]) {
      assert.deepEqual(client.protocolErrors, []);
      await client.close();
    }
  });
});

describe('throttledOpWaitTime', () => {
  let server: RunningServer;
  let metricsPort: number;
  before(async () => {
    ({ server, metricsPort } = await startWithMetrics({
      requestThrottleLimit: '1',
      throttledOpWaitTime: '1',
    }));
  });
  after(async () => server?.stop());

  it('answers ThrottledOp to requests that waited too long; the others all land', async () => {
    const writers = await Promise.all(
      [0, 1, 2, 3].map(() => RawClient.connect(server.host, server.port, options)),
    );
    await mkdir(writers[0] as RawClient, '/o');
    for (const [w, writer] of writers.entries()) await mkdir(writer, `/o/${w}`);
    const results = await Promise.all(writers.map((writer, w) => creates(writer, `/o/${w}`, 200)));
    let throttled = 0;
    for (const [w, replies] of results.entries()) {
      const reader = writers[w] as RawClient;
      for (const [i, reply] of replies.entries()) {
        const answers: number[] = [Err.ok, Err.throttledOp];
        assert.ok(answers.includes(reply.header.err), `err ${reply.header.err}`);
        const path = `/o/${w}/n${i}`;
        const exists = await reader.request({ type: OpCode.exists, path, watch: false });
        // Acknowledged means there; ThrottledOp means not done (the client may retry).
        const expected = reply.header.err === Err.ok ? Err.ok : Err.noNode;
        assert.equal(exists.header.err, expected, path);
        if (reply.header.err === Err.throttledOp) throttled++;
      }
    }
    assert.ok(throttled > 0, 'some requests waited past 1 ms');
    const samples = await scrapeMetrics(metricsPort);
    assert.equal(sampleOf(samples, 'warren_throttled_ops_total'), throttled);
    for (const client of writers) {
      assert.deepEqual(client.protocolErrors, []);
      await client.close();
    }
  });
});
