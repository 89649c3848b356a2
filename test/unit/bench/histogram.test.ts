/** The benchmark's latency histogram: bucket bounds, percentiles within 0.8%, merging. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BUCKET_COUNT,
  bucketIndex,
  bucketRange,
  LatencyHistogram,
  VALUE_MAX_US,
} from '../../../src/bench/histogram.js';

function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe('LatencyHistogram', () => {
  it('puts every value in a bucket whose range holds it', () => {
    for (const v of [0, 1, 127, 128, 129, 1000, 65_535, 1_000_000, VALUE_MAX_US]) {
      const i = bucketIndex(v);
      assert.ok(i < BUCKET_COUNT, `index of ${v}`);
      const { lowUs, widthUs } = bucketRange(i);
      assert.ok(lowUs <= v && v < lowUs + widthUs, `${v} in [${lowUs}, +${widthUs})`);
    }
  });

  it('reports percentiles within 0.8% of the exact ones, in order', () => {
    const h = new LatencyHistogram();
    const values: number[] = [];
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const ms = 0.05 + (seed / 2 ** 31) ** 3 * 200; // skewed: most fast, a long tail
      values.push(Math.round(ms * 1000) / 1000);
      h.recordMs(ms);
    }
    values.sort((a, b) => a - b);
    let previous = 0;
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const got = h.quantileMs(q);
      const want = exactQuantile(values, q);
      assert.ok(Math.abs(got - want) <= want * 0.008 + 0.001, `q${q}: ${got} vs ${want}`);
      assert.ok(got >= previous, 'percentiles ordered');
      previous = got;
    }
    assert.ok(h.maxMs() >= previous);
    assert.equal(h.count, 20_000);
  });

  it('merges snapshots as if every value had been recorded in one', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const all = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) {
      (i % 2 === 0 ? a : b).recordMs(i / 10);
      all.recordMs(i / 10);
    }
    const merged = new LatencyHistogram();
    merged.merge(a.snapshot());
    merged.merge(b.snapshot());
    assert.deepEqual(merged.snapshot(), all.snapshot());
    assert.equal(merged.quantileMs(0.99), all.quantileMs(0.99));
  });

  it('is empty-safe', () => {
    const h = new LatencyHistogram();
    assert.ok(Number.isNaN(h.quantileMs(0.5)));
    assert.ok(Number.isNaN(h.meanMs()));
    assert.deepEqual(h.snapshot().counts, []);
  });
});
