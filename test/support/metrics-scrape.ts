/**
 * Reads a Warren Prometheus endpoint: every sample line `name{labels} value`, keyed by
 * `name{labels}`. No test-framework imports: bench/ uses this too.
 */
import { LOOPBACK_HOST } from './ports.js';

export type Samples = ReadonlyMap<string, number>;

export async function scrapeMetrics(port: number, host = LOOPBACK_HOST): Promise<Samples> {
  const response = await fetch(`http://${host}:${port}/metrics`);
  if (response.status !== 200) throw new Error(`metrics answered ${response.status}`);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match !== null) samples.set(match[1] as string, Number(match[2]));
  }
  return samples;
}

/** One sample's value; NaN when the scrape has no such line. */
export function sampleOf(samples: Samples, key: string): number {
  return samples.get(key) ?? Number.NaN;
}
