/**
 * Runs a list of seeds of the Raft simulation and sums what they exercised; used by the test
 * in worker threads (node:test tracks every promise of its own thread with async hooks, which
 * cost more than the simulation itself) and by a single verbose replay.
 */
import { Simulation } from './simulation.js';

export interface RaftSeedOutcome {
  seeds: number;
  events: number;
  terms: number;
  committed: number;
  counts: Record<string, number>;
  failure: { seed: number; reason: string } | null;
}

export async function runRaftSeeds(
  seeds: readonly number[],
  log: ((line: string) => void) | null = null,
): Promise<RaftSeedOutcome> {
  const outcome: RaftSeedOutcome = {
    seeds: 0,
    events: 0,
    terms: 0,
    committed: 0,
    counts: {},
    failure: null,
  };
  for (const seed of seeds) {
    const simulation = new Simulation(seed);
    if (log !== null) log(JSON.stringify(simulation.options));
    try {
      const result = await simulation.run();
      outcome.seeds++;
      outcome.events += simulation.world.events;
      outcome.terms += result.terms;
      outcome.committed += result.committed;
      for (const [what, n] of result.counts) outcome.counts[what] = (outcome.counts[what] ?? 0) + n;
    } catch (error) {
      const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
      outcome.failure = { seed, reason };
      return outcome;
    }
  }
  return outcome;
}
