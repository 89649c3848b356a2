/**
 * warren.memoryBytesMax (server/memory-guard.ts): a client that asks for far more than the
 * bound and never reads cannot take the server past it. Past the bound that client is not
 * read (a well-behaved one goes on: memory-bound-fair.test.ts), it is closed after
 * warren.clientStallMs, memory comes back and every waiting request is answered.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { PROMETHEUS_PROVIDER } from '../../src/config/config-operations.js';
import { Err } from '../../src/protocol/error-codes.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { getDataFrames, handshakeFrame } from '../support/hostile-frames.js';
import { scrapeMetrics, sampleOf } from '../support/metrics-scrape.js';
import { freePort, LOOPBACK_HOST } from '../support/ports.js';
import { RawClient } from '../support/raw-client.js';
import { sleep } from '../support/server-process.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

const MiB = 1024 * 1024;
const boundBytes = 256 * MiB;
const acl = [...OPEN_ACL_UNSAFE];

async function until(what: string, ms: number, test: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    assert.ok(Date.now() < deadline, `${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

describe('warren.memoryBytesMax', () => {
  let server: RunningServer;
  let metricsPort: number;
  before(async () => {
    metricsPort = await freePort();
    server = await startWarren({
      config: {
        'metricsProvider.className': PROMETHEUS_PROVIDER,
        'metricsProvider.httpHost': LOOPBACK_HOST,
        'metricsProvider.httpPort': String(metricsPort),
        'warren.memoryBytesMax': String(boundBytes),
        // The per-connection budget alone would not stop this client: the bound must.
        'warren.clientOutputBytesMax': String(1024 * MiB),
        'warren.clientStallMs': '2000',
      },
    });
  });
  after(async () => server?.stop());

  it('holds reads past the bound, drops the non-reader after its stall, then serves all', async () => {
    const probe = await RawClient.connect(server.host, server.port, { timeoutMs: 30_000 });
    const big = Buffer.alloc(1_000_000, 7);
    const create = { type: OpCode.create, data: big, acl, flags: 0, ttl: -1 } as const;
    assert.equal((await probe.request({ ...create, path: '/big' })).header.err, Err.ok);
    const sessionId = probe.sessionId;

    const greedy = connect({ host: server.host, port: server.port });
    await new Promise<void>((resolve) => greedy.once('connect', () => resolve()));
    greedy.on('error', () => undefined);
    greedy.pause(); // never reads
    // 2000 requests for a 1 MB value: 2 GB of replies, far past the 256 MiB bound.
    greedy.write(Buffer.concat([handshakeFrame(30_000), getDataFrames('/big', 2000)]));
    const held = async () => sampleOf(await scrapeMetrics(metricsPort), 'warren_memory_reads_held');
    await until('reads held', 10_000, async () => (await held()) === 1);

    // A well-behaved client's write is answered (not refused, and its session lives on).
    const started = Date.now();
    const write = probe.request({ type: OpCode.setData, path: '/big', data: null, version: -1 });
    const read = probe.request({ type: OpCode.getData, path: '/big', watch: false });
    const [written, after] = await Promise.all([write, read]);
    const waitedMs = Date.now() - started;
    assert.equal(written.header.err, Err.ok);
    assert.equal(after.header.err, Err.ok);
    assert.equal(
      after.response?.kind === 'data' && (after.response.data?.length ?? 0),
      0,
      'write landed',
    );
    assert.ok(waitedMs < 15_000, `waited ${waitedMs} ms`);
    assert.equal(probe.sessionId, sessionId);
    assert.ok(probe.isOpen, 'the well-behaved client stayed connected');
    assert.deepEqual(probe.protocolErrors, []);

    await until('reads resumed', 15_000, async () => (await held()) === 0);
    const samples = await scrapeMetrics(metricsPort);
    assert.ok(sampleOf(samples, 'warren_memory_holds_total') >= 1);
    assert.ok(sampleOf(samples, 'warren_stalled_connections_closed_total') >= 1);
    // The bound is looked at after every 16 MiB of replies built: that is the overshoot.
    const peak = sampleOf(samples, 'warren_memory_live_bytes_peak');
    assert.ok(peak < boundBytes + 48 * MiB, `live memory peaked at ${Math.round(peak / MiB)} MiB`);
    greedy.destroy();
    await probe.close();
  });
});
