/**
 * Deterministic simulation of the consensus core in the member's own Ready loop and durable
 * log, on simulated disks: for each seed, a cluster under a seeded faulty network (drops,
 * duplicates, delays, reordering, symmetric and one-way partitions), crashes that tear
 * unsynced writes, restarts from disk, uneven tick rates, compaction, snapshot installs,
 * membership changes and leadership transfers, with safety checkers after every event and a
 * liveness phase at the end. A failure prints the command that replays its seed.
 *   WARREN_SIM_SEEDS=N   run N seeds (default 300) from WARREN_SIM_FIRST_SEED (default 1)
 *   WARREN_SIM_SEED=S    run only seed S and print its options
 */
import { describe, it } from 'node:test';
import { Simulation } from './simulation.js';

const single = process.env['WARREN_SIM_SEED'];
const count = Number(process.env['WARREN_SIM_SEEDS'] ?? 300);
const first = Number(process.env['WARREN_SIM_FIRST_SEED'] ?? 1);
const seeds =
  single !== undefined ? [Number(single)] : Array.from({ length: count }, (_, i) => first + i);

describe('consensus simulation', () => {
  it(`keeps Raft's safety properties and recovers, over ${seeds.length} seed(s)`, async () => {
    let terms = 0;
    let committed = 0;
    const counts = new Map<string, number>();
    for (const seed of seeds) {
      const simulation = new Simulation(seed);
      if (single !== undefined) console.log(JSON.stringify(simulation.options));
      try {
        const result = await simulation.run();
        terms += result.terms;
        committed += result.committed;
        for (const [what, n] of result.counts) counts.set(what, (counts.get(what) ?? 0) + n);
      } catch (error) {
        const replay = `WARREN_SIM_SEED=${seed} node --test dist/test/sim/`;
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`seed ${seed} failed: ${reason}\n  replay: ${replay}`, { cause: error });
      }
    }
    console.log(`sim: ${seeds.length} seeds, ${terms} terms, ${committed} committed entries`);
    const exercised = [...counts].sort(([a], [b]) => a.localeCompare(b));
    console.log(`sim: ${exercised.map(([what, n]) => `${what}=${n}`).join(' ')}`);
  });
});
