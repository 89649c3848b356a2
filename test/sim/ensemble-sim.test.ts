/**
 * Deterministic simulation of whole ensemble members (RaftNode + MemoryStorage + Replica +
 * DataTree) and their clients: seeded network faults, partitions, uneven ticks, crashes with
 * torn writes, restarts from snapshot + log, compaction and snapshot installs; safety checked
 * after every step, and at the end convergence, no lost acknowledged write and a linearizable
 * client history. A failure prints the command that replays its seed.
 *   WARREN_ENSEMBLE_SIM_SEEDS=N       run N seeds (default 2000) from
 *   WARREN_ENSEMBLE_SIM_FIRST_SEED=F  (default 1)
 *   WARREN_ENSEMBLE_SIM_SEED=S        run only seed S, verbosely
 */
import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { EnsembleSimulation } from './ensemble/ensemble-simulation.js';

const testFile = 'dist/test/sim/ensemble-sim.test.js';
const single = process.env['WARREN_ENSEMBLE_SIM_SEED'];
const count = Number(process.env['WARREN_ENSEMBLE_SIM_SEEDS'] ?? 2000);
const first = Number(process.env['WARREN_ENSEMBLE_SIM_FIRST_SEED'] ?? 1);
const seeds =
  single !== undefined ? [Number(single)] : Array.from({ length: count }, (_, i) => first + i);

describe('ensemble simulation', () => {
  it(`keeps the ensemble consistent and linearizable, over ${seeds.length} seed(s)`, () => {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const totals = { terms: 0, committed: 0, ops: 0, trees: 0 };
    const counts = new Map<string, number>();
    for (const seed of seeds) {
      const verbose = single !== undefined;
      const simulation = new EnsembleSimulation(seed, (line) => console.log(line), verbose);
      if (single !== undefined) console.log(JSON.stringify(simulation.options));
      try {
        const result = simulation.run();
        totals.terms += result.terms;
        totals.committed += result.committed;
        totals.ops += result.opsChecked;
        totals.trees += result.treesCompared;
        for (const [what, n] of result.counts) counts.set(what, (counts.get(what) ?? 0) + n);
        if (single !== undefined) console.log(JSON.stringify(result, replacer));
      } catch (error) {
        const replay = `WARREN_ENSEMBLE_SIM_SEED=${seed} node --test ${testFile}`;
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`seed ${seed} failed: ${reason}\n  replay: ${replay}`, { cause: error });
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const cpu = process.cpuUsage(cpuStarted);
    const cpuSeconds = ((cpu.user + cpu.system) / 1e6).toFixed(1);
    console.log(
      `ensemble sim: ${seeds.length} seeds in ${seconds} s (${cpuSeconds} s CPU), ` +
        `${totals.terms} terms, ` +
        `${totals.committed} committed entries, ${totals.ops} client ops checked, ` +
        `${totals.trees} tree digests compared`,
    );
    const exercised = [...counts].sort(([a], [b]) => a.localeCompare(b));
    console.log(`ensemble sim: ${exercised.map(([what, n]) => `${what}=${n}`).join(' ')}`);
  });
});

function replacer(_key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}
