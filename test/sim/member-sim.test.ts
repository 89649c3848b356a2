/**
 * Deterministic simulation of the member that ships (member/start-member.ts and everything
 * under it: the Ready loop, Raft storage on a simulated disk behind storage/faulty-disk.ts,
 * write routing, the client-facing server) with clients speaking the ZooKeeper protocol,
 * over thousands of seeds, each a safety phase under faults and a liveness phase; see
 * test/sim/member/member-simulation.ts for the faults and the checks. Seeds run in worker
 * threads, one per core. A failure prints the command that replays its seed verbosely.
 *   WARREN_MEMBER_SIM_SEEDS=N       run N seeds (default 2000) from
 *   WARREN_MEMBER_SIM_FIRST_SEED=F  (default 1)
 *   WARREN_MEMBER_SIM_SEED=S        run only seed S, printing what happened
 *   WARREN_MEMBER_SIM_WORKERS=W     worker threads (default: one per core, at most 4)
 */
import { describe, it } from 'node:test';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import {
  addTotals,
  emptyTotals,
  runSeeds,
  type SeedFailure,
  type SeedTotals,
} from './member/seed-runner.js';

const testFile = 'dist/test/sim/member-sim.test.js';
const single = process.env['WARREN_MEMBER_SIM_SEED'];
const count = Number(process.env['WARREN_MEMBER_SIM_SEEDS'] ?? 2000);
const first = Number(process.env['WARREN_MEMBER_SIM_FIRST_SEED'] ?? 1);
const workers = Number(
  process.env['WARREN_MEMBER_SIM_WORKERS'] ?? Math.min(4, Math.max(1, availableParallelism())),
);

interface Outcome {
  totals: SeedTotals;
  failure: SeedFailure | null;
}

function runInWorker(seeds: number[]): Promise<Outcome> {
  const url = new URL('./member/sim-worker.js', import.meta.url);
  return new Promise((resolve, reject) => {
    // A larger young generation: the simulation allocates a lot of short-lived buffers.
    const resourceLimits = { maxYoungGenerationSizeMb: 48 };
    const worker = new Worker(url, { workerData: { seeds }, resourceLimits });
    worker.once('message', (outcome: Outcome) => resolve(outcome));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`simulation worker exited with ${code}`));
    });
  });
}

describe('member simulation', () => {
  if (single !== undefined) {
    it(`replays seed ${single}`, async () => {
      const outcome = await runSeeds([Number(single)], (line) => console.log(line));
      if (outcome.failure !== null) throw new Error(outcome.failure.reason);
      console.log(JSON.stringify(outcome.totals));
    });
    return;
  }
  it(`keeps the real members consistent and linearizable over ${count} seeds`, async () => {
    const started = performance.now();
    const lanes: number[][] = Array.from({ length: workers }, () => []);
    for (let i = 0; i < count; i++) lanes[i % workers]?.push(first + i);
    const outcomes = await Promise.all(lanes.map((seeds) => runInWorker(seeds)));
    const totals = emptyTotals();
    for (const outcome of outcomes) addTotals(totals, outcome.totals);
    const failures = outcomes.flatMap((o) => (o.failure === null ? [] : [o.failure]));
    if (failures.length > 0) {
      const replay = (seed: number) => `WARREN_MEMBER_SIM_SEED=${seed} node --test ${testFile}`;
      const lines = failures.map(
        (f) => `seed ${f.seed} failed: ${f.reason}\n  replay: ${replay(f.seed)}`,
      );
      throw new Error(lines.join('\n'));
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `member sim: ${totals.seeds} seeds in ${seconds.toFixed(1)} s on ${workers} threads ` +
        `(${(totals.seeds / seconds).toFixed(0)} seeds/s), ${totals.events} events, ` +
        `${(totals.virtualMs / 1000).toFixed(0)} s simulated, ${totals.terms} terms, ` +
        `${totals.committed} committed entries, ${totals.ops} client ops checked, ` +
        `${totals.digests} digests compared`,
    );
    const exercised = Object.entries(totals.counts).sort(([a], [b]) => a.localeCompare(b));
    console.log(`member sim: ${exercised.map(([what, n]) => `${what}=${n}`).join(' ')}`);
  });
});
