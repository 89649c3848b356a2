/**
 * The Prometheus endpoint (metricsProvider.className=…PrometheusMetricsProvider): ZooKeeper's
 * metric names, and values that move as clients work.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PROMETHEUS_PROVIDER } from '../../src/config/config-operations.js';
import { Err } from '../../src/protocol/error-codes.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { freePort, LOOPBACK_HOST } from '../support/ports.js';
import { RawClient } from '../support/raw-client.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

/** Every sample line `name{labels} value` of a scrape, keyed by `name{labels}`. */
async function scrape(port: number): Promise<Map<string, number>> {
  const response = await fetch(`http://${LOOPBACK_HOST}:${port}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match !== null) samples.set(match[1] as string, Number(match[2]));
  }
  return samples;
}

function sample(samples: Map<string, number>, key: string): number {
  const value = samples.get(key);
  assert.notEqual(value, undefined, `no sample ${key}`);
  return value as number;
}

describe('Prometheus metrics', () => {
  let server: RunningServer;
  let metricsPort: number;
  before(async () => {
    metricsPort = await freePort();
    server = await startWarren({
      config: {
        'metricsProvider.className': PROMETHEUS_PROVIDER,
        'metricsProvider.httpHost': LOOPBACK_HOST,
        'metricsProvider.httpPort': String(metricsPort),
      },
    });
  });
  after(async () => {
    await server?.stop();
  });

  it("serves ZooKeeper's names, and they move as clients work", async () => {
    const before = await scrape(metricsPort);
    const nodesBefore = sample(before, 'znode_count');
    assert.ok(sample(before, 'election_time_count') >= 1, 'the start-up election is timed');
    const client = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
    const acl = [...OPEN_ACL_UNSAFE];
    for (let i = 0; i < 5; i++) {
      const path = `/m${i}`;
      const data = Buffer.from('value');
      const create = { type: OpCode.create, path, data, acl, flags: 0, ttl: -1 } as const;
      const created = await client.request(create);
      assert.equal(created.header.err, Err.ok);
      const read = await client.request({ type: OpCode.getData, path, watch: true });
      assert.equal(read.header.err, Err.ok);
    }
    const after = await scrape(metricsPort);
    assert.equal(sample(after, 'znode_count'), nodesBefore + 5);
    assert.equal(sample(after, 'watch_count'), 5);
    assert.equal(sample(after, 'num_alive_connections'), 1);
    assert.equal(sample(after, 'global_sessions'), 1);
    assert.equal(sample(after, 'outstanding_requests'), 0);
    assert.ok(sample(after, 'approximate_data_size') > sample(before, 'approximate_data_size'));
    assert.equal(sample(after, 'warren_request_duration_seconds_count{op="create"}'), 5);
    assert.equal(sample(after, 'warren_request_duration_seconds_count{op="getData"}'), 5);
    // The launcher's probe closed a session before: a write too.
    const moved = (key: string) => sample(after, key) - (before.get(key) ?? 0);
    assert.equal(moved('updatelatency_count'), 5);
    assert.equal(moved('readlatency_count'), 5);
    assert.ok(sample(after, 'readlatency{quantile="0.99"}') >= 0);
    assert.ok(sample(after, 'fsynctime_count') > sample(before, 'fsynctime_count'));
    assert.equal(sample(after, 'warren_leader'), 1);
    assert.equal(sample(after, 'warren_watches_refused_total'), 0);
    assert.equal(sample(after, 'connection_rejected'), 0);
    assert.ok(after.has('warren_event_loop_delay_seconds{quantile="0.99"}'));
    assert.ok(after.has('process_resident_memory_bytes'), 'metricsProvider.exportJvmInfo');
    await client.close();
  });

  it('answers 404 elsewhere and refuses what is not a GET', async () => {
    const base = `http://${LOOPBACK_HOST}:${metricsPort}`;
    assert.equal((await fetch(`${base}/nothing`)).status, 404);
    assert.equal((await fetch(`${base}/metrics`, { method: 'POST', body: 'x' })).status, 405);
  });
});
