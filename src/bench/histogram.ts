/**
 * A log-linear latency histogram in whole microseconds, small enough to ship between processes
 * as a plain array and merge by adding. Values below 128 µs get a bucket each; above that every
 * power of two is split into 64 equal buckets, so a reported percentile is within 1/128 (0.8%)
 * of the true value. Values above VALUE_MAX_US are clamped (and still counted).
 *
 * Bucket index: shift = max(0, floor(log2(v)) - 6), index = shift * 64 + (v >> shift).
 */
const SUB_BUCKET_BITS = 6;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
/** 2^31 - 1 µs, about 36 minutes: no request in a benchmark waits that long. */
export const VALUE_MAX_US = 0x7fffffff;
const SHIFT_MAX = 31 - 1 - SUB_BUCKET_BITS;
export const BUCKET_COUNT = (SHIFT_MAX + 1) * SUB_BUCKETS + SUB_BUCKETS;

export interface HistogramSnapshot {
  /** counts[i] is the number of values in bucket i; trailing zeros may be trimmed. */
  counts: number[];
  count: number;
  sumUs: number;
  minUs: number;
  maxUs: number;
}

export function bucketIndex(valueUs: number): number {
  const v = Math.min(VALUE_MAX_US, Math.max(0, Math.round(valueUs)));
  const shift = Math.max(0, 31 - Math.clz32(v) - SUB_BUCKET_BITS);
  return shift * SUB_BUCKETS + (v >>> shift);
}

/** The smallest value and the width of bucket `index`. */
export function bucketRange(index: number): { lowUs: number; widthUs: number } {
  if (index < 2 * SUB_BUCKETS) return { lowUs: index, widthUs: 1 };
  const shift = Math.floor(index / SUB_BUCKETS) - 1;
  const mantissa = index - shift * SUB_BUCKETS;
  const widthUs = 2 ** shift;
  return { lowUs: mantissa * widthUs, widthUs };
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKET_COUNT);
  private total = 0;
  private sumUs = 0;
  private minUs = Infinity;
  private maxUs = 0;

  get count(): number {
    return this.total;
  }

  recordMs(latencyMs: number): void {
    const us = Math.min(VALUE_MAX_US, Math.max(0, Math.round(latencyMs * 1000)));
    this.counts[bucketIndex(us)]! += 1;
    this.total += 1;
    this.sumUs += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  merge(snapshot: HistogramSnapshot): void {
    snapshot.counts.forEach((n, i) => {
      if (n > 0) this.counts[i]! += n;
    });
    this.total += snapshot.count;
    this.sumUs += snapshot.sumUs;
    if (snapshot.count > 0) {
      this.minUs = Math.min(this.minUs, snapshot.minUs);
      this.maxUs = Math.max(this.maxUs, snapshot.maxUs);
    }
  }

  snapshot(): HistogramSnapshot {
    let last = this.counts.length - 1;
    while (last >= 0 && this.counts[last] === 0) last--;
    return {
      counts: Array.from(this.counts.subarray(0, last + 1)),
      count: this.total,
      sumUs: this.sumUs,
      minUs: this.total > 0 ? this.minUs : 0,
      maxUs: this.maxUs,
    };
  }

  /** The value at quantile q (0..1) in ms, or NaN when empty: the midpoint of its bucket. */
  quantileMs(q: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const { lowUs, widthUs } = bucketRange(i);
        const mid = lowUs + (widthUs - 1) / 2;
        return Math.min(this.maxUs, Math.max(this.minUs, mid)) / 1000;
      }
    }
    return this.maxUs / 1000;
  }

  meanMs(): number {
    return this.total === 0 ? NaN : this.sumUs / this.total / 1000;
  }

  maxMs(): number {
    return this.maxUs / 1000;
  }
}
