/**
 * Request latency as the Prometheus endpoint exports it — ZooKeeper's `readlatency` and
 * `updatelatency` summaries and the per-operation `warren_request_duration_seconds` histogram —
 * counted per request in constant time, with the quantiles worked out at scrape time.
 *
 * prom-client's Summary pushed every request into five t-digests (one per age bucket), and
 * now and then compressed one: with 1M watches being set the loop stopped for 185 ms in one
 * turn, and its labelled Histogram hashed the labels of every request. Here a request adds one
 * to a count: latencies are whole milliseconds (the server's clock), so a window's summary is
 * a count per millisecond value and its quantiles are exact.
 */
import type { Metric, Registry } from 'prom-client';

/** What a registry needs of a metric (prom-client's own metrics have the same shape). */
interface CustomMetric {
  name: string;
  help: string;
  type: 'summary' | 'histogram';
  aggregator: 'sum';
  get(): Promise<MetricValues>;
  reset(): void;
}

interface MetricValues {
  name: string;
  help: string;
  type: string;
  aggregator: 'sum';
  values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

function register(registry: Registry, metric: CustomMetric): void {
  registry.registerMetric(metric as unknown as Metric);
}

/**
 * A summary over a sliding window of `ageBuckets` slices of `maxAgeSeconds / ageBuckets`
 * (prom-client's and simpleclient's window): a count per latency value in each slice, and the
 * sum and count since start, as a Prometheus summary has them.
 */
export class LatencySummary {
  private readonly slices: Map<number, number>[] = [];
  private readonly sliceMs: number;
  /** When the newest slice started. */
  private sliceStart: number;
  private sum = 0;
  private count = 0;

  constructor(
    registry: Registry,
    private readonly name: string,
    private readonly help: string,
    private readonly quantiles: readonly number[],
    window: { maxAgeSeconds: number; ageBuckets: number },
    private readonly now: () => number,
  ) {
    this.sliceMs = (window.maxAgeSeconds * 1000) / window.ageBuckets;
    for (let i = 0; i < window.ageBuckets; i++) this.slices.push(new Map());
    this.sliceStart = now();
    register(registry, {
      name,
      help,
      type: 'summary',
      aggregator: 'sum',
      get: () => Promise.resolve(this.values()),
      reset: () => this.reset(),
    });
  }

  /** One request took `ms` (rounded to a whole millisecond). */
  observe(ms: number): void {
    const value = Math.round(ms);
    this.rotate();
    const slice = this.slices[this.slices.length - 1] as Map<number, number>;
    slice.set(value, (slice.get(value) ?? 0) + 1);
    this.sum += ms;
    this.count++;
  }

  /** Starts new slices for the time passed, dropping the oldest. */
  private rotate(): void {
    const now = this.now();
    if (now - this.sliceStart < this.sliceMs) return;
    const passed = Math.min(this.slices.length, Math.floor((now - this.sliceStart) / this.sliceMs));
    for (let i = 0; i < passed; i++) {
      this.slices.shift();
      this.slices.push(new Map());
    }
    this.sliceStart = now;
  }

  /** The value at each quantile over the window (NaN when it saw nothing, as prom-client). */
  quantileValues(): number[] {
    this.rotate();
    const merged = new Map<number, number>();
    let total = 0;
    for (const slice of this.slices) {
      for (const [value, n] of slice) {
        merged.set(value, (merged.get(value) ?? 0) + n);
        total += n;
      }
    }
    const sorted = [...merged].sort((a, b) => a[0] - b[0]);
    return this.quantiles.map((q) => {
      if (total === 0) return Number.NaN;
      // The smallest value with at least q of the observations at or below it.
      const rank = Math.max(1, Math.ceil(q * total));
      let seen = 0;
      for (const [value, n] of sorted) {
        seen += n;
        if (seen >= rank) return value;
      }
      return (sorted.at(-1) as [number, number])[0];
    });
  }

  private values(): MetricValues {
    const quantiles = this.quantileValues();
    const values: MetricValues['values'] = this.quantiles.map((quantile, i) => ({
      labels: { quantile },
      value: quantiles[i] as number,
    }));
    values.push({ metricName: `${this.name}_sum`, labels: {}, value: this.sum });
    values.push({ metricName: `${this.name}_count`, labels: {}, value: this.count });
    return { name: this.name, help: this.help, type: 'summary', aggregator: 'sum', values };
  }

  private reset(): void {
    for (const slice of this.slices) slice.clear();
    this.sum = 0;
    this.count = 0;
  }
}

/** A histogram by one label (the operation): a count per bucket, no label hashing. */
export class LabelledHistogram {
  private readonly series = new Map<string, { buckets: Float64Array; sum: number }>();

  constructor(
    registry: Registry,
    private readonly name: string,
    private readonly help: string,
    private readonly label: string,
    private readonly bounds: readonly number[],
  ) {
    register(registry, {
      name,
      help,
      type: 'histogram',
      aggregator: 'sum',
      get: () => Promise.resolve(this.values()),
      reset: () => this.series.clear(),
    });
  }

  observe(labelValue: string, value: number): void {
    let series = this.series.get(labelValue);
    if (series === undefined) {
      series = { buckets: new Float64Array(this.bounds.length + 1), sum: 0 };
      this.series.set(labelValue, series);
    }
    const { bounds } = this;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    series.buckets[i] = (series.buckets[i] ?? 0) + 1;
    series.sum += value;
  }

  private values(): MetricValues {
    const values: MetricValues['values'] = [];
    for (const [labelValue, { buckets, sum }] of this.series) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += buckets[i] as number;
        const le = i < this.bounds.length ? (this.bounds[i] as number) : '+Inf';
        const labels = { le, [this.label]: labelValue };
        values.push({ metricName: `${this.name}_bucket`, labels, value: cumulative });
      }
      const labels = { [this.label]: labelValue };
      values.push({ metricName: `${this.name}_sum`, labels, value: sum });
      values.push({ metricName: `${this.name}_count`, labels, value: cumulative });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }
}
