/**
 * Request latency metrics counted in constant time per request (metrics/request-latency.ts):
 * exact quantiles over a sliding window, cumulative buckets per operation, and the text a
 * scrape shows. prom-client's Summary pushed each request into five t-digests and compressed
 * them now and then (185 ms of one turn while 1M watches were set).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { LabelledHistogram, LatencySummary } from '../../../src/metrics/request-latency.js';

const WINDOW = { maxAgeSeconds: 600, ageBuckets: 5 };

function lines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^(\S+) (\S+)$/.exec(line);
    if (match !== null) out.set(match[1] as string, match[2] as string);
  }
  return out;
}

describe('request latency metrics', () => {
  it('a summary gives exact quantiles, sum and count, in prom-client text', async () => {
    const registry = new Registry();
    let now = 0;
    const summary = new LatencySummary(
      registry,
      'readlatency',
      'Read',
      [0.5, 0.9, 0.99],
      WINDOW,
      () => now,
    );
    // 1M requests: 900k of 1 ms, 90k of 5 ms, 9k of 20 ms, 1k of 300 ms.
    for (let i = 0; i < 900_000; i++) summary.observe(1);
    for (let i = 0; i < 90_000; i++) summary.observe(5);
    for (let i = 0; i < 9_000; i++) summary.observe(20);
    for (let i = 0; i < 1_000; i++) summary.observe(300);
    const text = await registry.metrics();
    assert.match(text, /# TYPE readlatency summary/);
    const samples = lines(text);
    assert.equal(samples.get('readlatency{quantile="0.5"}'), '1');
    assert.equal(samples.get('readlatency{quantile="0.9"}'), '1');
    assert.equal(samples.get('readlatency{quantile="0.99"}'), '5');
    assert.equal(samples.get('readlatency_count'), '1000000');
    assert.equal(samples.get('readlatency_sum'), String(900_000 + 450_000 + 180_000 + 300_000));
    // One more: the 900,001st smallest is now at 0.9 and the 990,001st at 0.99.
    now = 1;
    summary.observe(300);
    assert.deepEqual(summary.quantileValues(), [1, 5, 20]);
  });

  it("a summary's quantiles cover the last window only; sum and count stay", () => {
    const registry = new Registry();
    let now = 0;
    const summary = new LatencySummary(
      registry,
      'updatelatency',
      'Write',
      [0.5],
      WINDOW,
      () => now,
    );
    summary.observe(100);
    now = 400_000; // 6m40s: still in the window
    summary.observe(2);
    summary.observe(2);
    assert.deepEqual(summary.quantileValues(), [2]);
    now = 700_000; // the first observation is older than 10 minutes
    assert.deepEqual(summary.quantileValues(), [2]);
    now = 2_000_000; // all of them are
    assert.ok(Number.isNaN(summary.quantileValues()[0]));
  });

  it('a histogram by operation counts into cumulative buckets', async () => {
    const registry = new Registry();
    const name = 'warren_request_duration_seconds';
    const histogram = new LabelledHistogram(registry, name, 'By op', 'op', [0.001, 0.01, 0.1]);
    histogram.observe('getData', 0);
    histogram.observe('getData', 0.001);
    histogram.observe('getData', 0.005);
    histogram.observe('create', 2);
    const text = await registry.metrics();
    assert.match(text, /# TYPE warren_request_duration_seconds histogram/);
    const samples = lines(text);
    const bucket = (le: string, op: string) => samples.get(`${name}_bucket{le="${le}",op="${op}"}`);
    assert.equal(bucket('0.001', 'getData'), '2');
    assert.equal(bucket('0.01', 'getData'), '3');
    assert.equal(bucket('+Inf', 'getData'), '3');
    assert.equal(bucket('0.1', 'create'), '0');
    assert.equal(bucket('+Inf', 'create'), '1');
    assert.equal(samples.get(`${name}_count{op="getData"}`), '3');
    assert.equal(samples.get(`${name}_sum{op="create"}`), '2');
  });
});
