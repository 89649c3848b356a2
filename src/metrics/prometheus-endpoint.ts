/**
 * The Prometheus endpoint (metricsProvider.className=…PrometheusMetricsProvider): a registry
 * of its own (never prom-client's global one, so servers started in one process stay apart),
 * served at /metrics on metricsProvider.httpHost:httpPort.
 *
 * Why prom-client: it is the Prometheus client most Node services use (maintained under the
 * siimon/prom-client project, no native code), it writes the text format Prometheus and
 * every agent read, and its summaries give ZooKeeper's quantile lines; writing that format
 * and a sliding-window quantile estimator ourselves would be more code to get wrong.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ServerConfig } from '../config/config.js';
import type { MemberEvents } from '../member/member-events.js';
import { startHttpListener, type HttpAnswer, type HttpListener } from '../util/http-listener.js';
import { EventMetrics } from './event-metrics.js';
import type { ServedState } from './served-state.js';
import { registerStateMetrics } from './state-metrics.js';

/** Event-loop delay sampling period (ms): fine enough to see a 10 ms stall. */
const loopResolutionMs = 10;

export class PrometheusEndpoint {
  readonly registry = new Registry();
  private readonly events: EventMetrics;
  private readonly loopDelay: IntervalHistogram;
  private state: ServedState | null = null;
  private listener: HttpListener | null = null;

  constructor(
    private readonly config: ServerConfig,
    now: () => number,
  ) {
    this.events = new EventMetrics(this.registry, now);
    registerStateMetrics(this.registry, () => this.state);
    this.loopDelay = monitorEventLoopDelay({ resolution: loopResolutionMs });
    this.registerLoopDelay();
    if (config.metricsExportProcessInfo) collectDefaultMetrics({ register: this.registry });
  }

  /** Give these to the member before it starts (member/start-member.ts's environment). */
  get memberEvents(): MemberEvents {
    return this.events;
  }

  /** The server is up: read its state at scrape time, time its requests, and listen. */
  async start(state: ServedState, onError: (error: unknown) => void): Promise<HttpListener> {
    this.state = state;
    state.server.stats.requestListener = this.events.onRequest;
    this.loopDelay.enable();
    const { metricsHttpHost, metricsHttpPort } = this.config;
    const idleMs = this.config.adminIdleTimeoutMs;
    this.listener = await startHttpListener(
      metricsHttpHost,
      metricsHttpPort,
      idleMs,
      (path) => this.answer(path),
      onError,
    );
    return this.listener;
  }

  async close(): Promise<void> {
    this.loopDelay.disable();
    if (this.state !== null) this.state.server.stats.requestListener = null;
    await this.listener?.close();
    this.listener = null;
  }

  private async answer(path: string): Promise<HttpAnswer> {
    if (path !== '/metrics' && path !== '/') {
      return { status: 404, contentType: 'text/plain', body: 'metrics are at /metrics\n' };
    }
    const body = await this.registry.metrics();
    return { status: 200, contentType: this.registry.contentType, body };
  }

  /** Event-loop delay since the previous scrape: what every client's latency waits behind. */
  private registerLoopDelay(): void {
    const histogram = this.loopDelay;
    new Gauge({
      name: 'warren_event_loop_delay_seconds',
      help: 'Event-loop delay since the previous scrape (perf_hooks monitorEventLoopDelay)',
      labelNames: ['quantile'],
      registers: [this.registry],
      collect() {
        if (histogram.count === 0) return;
        const seconds = (ns: number) => ns / 1e9;
        this.set({ quantile: '0.5' }, seconds(histogram.percentile(50)));
        this.set({ quantile: '0.99' }, seconds(histogram.percentile(99)));
        this.set({ quantile: '0.999' }, seconds(histogram.percentile(99.9)));
        this.set({ quantile: '1' }, seconds(histogram.max));
        histogram.reset();
      },
    });
  }
}
