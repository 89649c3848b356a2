/**
 * Deterministic simulation of the consensus core in the member's own Ready loop and durable
 * log, on simulated disks: for each seed, a cluster under a seeded faulty network (drops,
 * duplicates, delays, reordering, symmetric and one-way partitions), crashes that tear
 * unsynced writes, restarts from disk, uneven tick rates, compaction, snapshot installs,
 * membership changes and leadership transfers, with safety checkers after every event and a
 * liveness phase at the end. A failure prints the command that replays its seed.
 *   WARREN_SIM_SEEDS=N   run N seeds (default 300) from WARREN_SIM_FIRST_SEED (default 1)
 *   WARREN_SIM_SEED=S    run only seed S and print its options
 *   WARREN_SIM_WORKERS=W worker threads (default: one per core, at most 4)
 */
import { describe, it } from 'node:test';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { runRaftSeeds, type RaftSeedOutcome } from './raft-seeds.js';

const single = process.env['WARREN_SIM_SEED'];
const count = Number(process.env['WARREN_SIM_SEEDS'] ?? 300);
const first = Number(process.env['WARREN_SIM_FIRST_SEED'] ?? 1);
const workers = Number(
  process.env['WARREN_SIM_WORKERS'] ?? Math.min(4, Math.max(1, availableParallelism())),
);

function runInWorker(seeds: number[]): Promise<RaftSeedOutcome> {
  const url = new URL('./raft-worker.js', import.meta.url);
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, { workerData: { seeds } });
    worker.once('message', (outcome: RaftSeedOutcome) => resolve(outcome));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`simulation worker exited with ${code}`));
    });
  });
}

describe('consensus simulation', () => {
  if (single !== undefined) {
    it(`replays seed ${single}`, async () => {
      const outcome = await runRaftSeeds([Number(single)], (line) => console.log(line));
      if (outcome.failure !== null) throw new Error(outcome.failure.reason);
    });
    return;
  }
  it(`keeps Raft's safety properties and recovers, over ${count} seed(s)`, async () => {
    const started = performance.now();
    const lanes: number[][] = Array.from({ length: workers }, () => []);
    for (let i = 0; i < count; i++) lanes[i % workers]?.push(first + i);
    const outcomes = await Promise.all(lanes.map((seeds) => runInWorker(seeds)));
    const failures = outcomes.flatMap((o) => (o.failure === null ? [] : [o.failure]));
    if (failures.length > 0) {
      const replay = (seed: number) =>
        `WARREN_SIM_SEED=${seed} node --test dist/test/sim/sim.test.js`;
      const lines = failures.map(
        (f) => `seed ${f.seed} failed: ${f.reason}\n  replay: ${replay(f.seed)}`,
      );
      throw new Error(lines.join('\n'));
    }
    let events = 0;
    let terms = 0;
    let committed = 0;
    const counts = new Map<string, number>();
    for (const outcome of outcomes) {
      events += outcome.events;
      terms += outcome.terms;
      committed += outcome.committed;
      for (const [what, n] of Object.entries(outcome.counts))
        counts.set(what, (counts.get(what) ?? 0) + n);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `sim: ${count} seeds in ${seconds.toFixed(1)} s on ${workers} threads ` +
        `(${(count / seconds).toFixed(0)} seeds/s), ${events} events, ${terms} terms, ` +
        `${committed} committed entries`,
    );
    const exercised = [...counts].sort(([a], [b]) => a.localeCompare(b));
    console.log(`sim: ${exercised.map(([what, n]) => `${what}=${n}`).join(' ')}`);
  });
});
