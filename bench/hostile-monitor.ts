/**
 * What the hostile-load benchmark measures on the servers: resident memory sampled from
 * /proc every 100 ms (peak and last), and from the Prometheus endpoint the event-loop delay
 * since the previous scrape (p99.9 and max) and the memory bound's counters.
 */
import { scrapeMetrics, sampleOf, type Samples } from '../test/support/metrics-scrape.js';
import { processMemory } from './proc-stats.js';

const SAMPLE_MS = 100;

export interface Watched {
  pid: number;
  metricsPort: number;
}

export interface ServerFigures {
  peakRssMiB: number;
  lastRssMiB: number;
  loopP999Ms: number;
  loopMaxMs: number;
  /** Live memory as warren.memoryBytesMax counts it, peak since start. */
  peakLiveMiB: number;
  memoryHolds: number;
  stalledClosed: number;
}

const MiB = 1024 * 1024;

export class Monitor {
  private readonly peaks = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  /** Starts sampling; the first scrape resets each server's event-loop histogram. */
  static async start(servers: Watched[]): Promise<Monitor> {
    await Promise.all(servers.map((s) => scrapeMetrics(s.metricsPort).catch(() => null)));
    return new Monitor(servers);
  }

  private constructor(private servers: Watched[]) {
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.sample();
  }

  /** Stops following a server (killed on purpose). */
  forget(pid: number): void {
    this.servers = this.servers.filter((s) => s.pid !== pid);
  }

  private sample(): void {
    for (const s of this.servers) {
      const memory = processMemory(s.pid);
      if (memory === null) continue;
      this.peaks.set(s.pid, Math.max(this.peaks.get(s.pid) ?? 0, memory.rssMiB));
    }
  }

  /** Figures per server since start; stops sampling. */
  async finish(): Promise<ServerFigures[]> {
    clearInterval(this.timer);
    this.sample();
    return Promise.all(
      this.servers.map(async (s) => {
        const samples: Samples = await scrapeMetrics(s.metricsPort);
        const ms = (key: string) => sampleOf(samples, key) * 1000;
        return {
          peakRssMiB: this.peaks.get(s.pid) ?? Number.NaN,
          lastRssMiB: processMemory(s.pid)?.rssMiB ?? Number.NaN,
          loopP999Ms: ms('warren_event_loop_delay_seconds{quantile="0.999"}'),
          loopMaxMs: ms('warren_event_loop_delay_seconds{quantile="1"}'),
          peakLiveMiB: sampleOf(samples, 'warren_memory_live_bytes_peak') / MiB,
          memoryHolds: sampleOf(samples, 'warren_memory_holds_total'),
          stalledClosed: sampleOf(samples, 'warren_stalled_connections_closed_total'),
        };
      }),
    );
  }
}

/** Resident memory of a server now, MiB. */
export function rssMiB(pid: number): number {
  return processMemory(pid)?.rssMiB ?? Number.NaN;
}
