/**
 * Runs a list of seeds of the member simulation and sums what they exercised; used by the
 * test (in worker threads, one per core) and by a single verbose replay.
 */
import { MemberSimulation } from './member-simulation.js';

export interface SeedTotals {
  seeds: number;
  events: number;
  terms: number;
  committed: number;
  ops: number;
  digests: number;
  virtualMs: number;
  counts: Record<string, number>;
}

export interface SeedFailure {
  seed: number;
  reason: string;
}

export function emptyTotals(): SeedTotals {
  return {
    seeds: 0,
    events: 0,
    terms: 0,
    committed: 0,
    ops: 0,
    digests: 0,
    virtualMs: 0,
    counts: {},
  };
}

export function addTotals(into: SeedTotals, from: SeedTotals): void {
  into.seeds += from.seeds;
  into.events += from.events;
  into.terms += from.terms;
  into.committed += from.committed;
  into.ops += from.ops;
  into.digests += from.digests;
  into.virtualMs += from.virtualMs;
  for (const [what, n] of Object.entries(from.counts))
    into.counts[what] = (into.counts[what] ?? 0) + n;
}

/** Runs the seeds in order; stops at the first failure and reports it. */
export async function runSeeds(
  seeds: readonly number[],
  log: ((line: string) => void) | null = null,
): Promise<{ totals: SeedTotals; failure: SeedFailure | null }> {
  const totals = emptyTotals();
  for (const seed of seeds) {
    const simulation = new MemberSimulation(seed, log);
    if (log !== null) log(JSON.stringify(simulation.options));
    try {
      const result = await simulation.run();
      totals.seeds++;
      totals.events += result.events;
      totals.terms += result.terms;
      totals.committed += result.committed;
      totals.ops += result.opsChecked;
      totals.digests += result.digestsCompared;
      totals.virtualMs += result.virtualMs;
      for (const [what, n] of result.counts) totals.counts[what] = (totals.counts[what] ?? 0) + n;
    } catch (error) {
      const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
      return { totals, failure: { seed, reason } };
    }
  }
  return { totals, failure: null };
}
