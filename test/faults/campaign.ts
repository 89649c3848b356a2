/**
 * The fault campaign: a 5-member Warren ensemble, one member per network namespace, and
 * scenario after scenario (scenario-runner.ts) until the time bound leaves no room for
 * another. Plans come from the seed (plan.ts) or are named. Used by main.ts (`npm run
 * test:faults`) and by the short form in test/netns/fault-campaign.test.ts.
 */
import { NetnsCluster } from '../support/netns-cluster.js';
import { NetnsEnsemble } from '../support/netns-ensemble.js';
import { Prng } from '../support/prng.js';
import { buildFsyncShim } from '../support/fsync-fail-shim.js';
import { disownDir } from '../support/server-process.js';
import type { Nemesis } from './nemesis.js';
import { clockNemeses, faketimeLibrary } from './nemeses-clock.js';
import { diskNemeses } from './nemeses-disk.js';
import { freezeBuild } from './frozen-build.js';
import { fullDiskNemeses } from './nemeses-full-disk.js';
import { fsyncNemeses } from './nemeses-fsync.js';
import { networkNemeses } from './nemeses-network.js';
import { processNemeses } from './nemeses-process.js';
import { drawPlan, namedPlan, type ScenarioPlan } from './plan.js';
import { replayHint, scenarioLine, writeFailure, type CampaignTotals } from './report.js';
import { runScenario } from './scenario-runner.js';

export const MEMBERS = 5;
const TICK_TIME_MS = 500;
/** Small, so a follower cut off for a few thousand writes needs a snapshot. */
const SNAP_COUNT = 1_000;
/** Each member's disk: room for its snapshots and log, small enough to fill in a moment. */
const DISK_BYTES = 512 * 1024 * 1024;
/** A scenario rarely takes longer; none starts unless this much time is left. */
const SCENARIO_BUDGET_MS = 75_000;

export interface CampaignOptions {
  seed: number;
  /** The campaign stops starting scenarios when fewer than a scenario's budget remains. */
  timeBoundMs: number;
  /** Named plans to run in order (then the campaign ends); otherwise plans are drawn. */
  scenarios?: readonly string[];
  log: (line: string) => void;
}

/** `fsyncShim`: the fsync-error shim's library, when it built (fsync-fail-shim.ts). */
export function nemesisCatalog(fsyncShim: string | undefined): Nemesis[] {
  return [
    ...networkNemeses(),
    ...processNemeses(),
    ...clockNemeses(),
    ...diskNemeses(SNAP_COUNT),
    ...fullDiskNemeses(DISK_BYTES),
    ...fsyncNemeses(fsyncShim),
  ];
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignTotals> {
  const started = Date.now();
  const prng = new Prng(options.seed);
  const shim = buildFsyncShim();
  const fsyncShim = 'library' in shim ? shim.library : undefined;
  if ('skip' in shim) options.log(`fsync-error left out: ${shim.skip}`);
  const catalog = nemesisCatalog(fsyncShim);
  const totals: CampaignTotals = {
    seed: options.seed,
    scenarios: 0,
    operations: 0,
    faults: 0,
    violations: 0,
    durationMs: 0,
    reports: [],
  };
  const next = (index: number): ScenarioPlan | undefined => {
    const named = options.scenarios;
    if (named === undefined) return drawPlan(prng, index, catalog);
    const name = named[index - 1];
    if (name === undefined) return undefined;
    return namedPlan(prng, index, name, catalog, (options.seed + index - 1) >>> 0);
  };
  const build = freezeBuild();
  const cluster = await NetnsCluster.up(MEMBERS);
  let ensemble: NetnsEnsemble | undefined;
  let keepLogs = false;
  try {
    ensemble = await NetnsEnsemble.start(cluster, {
      main: build.main,
      tickTime: TICK_TIME_MS,
      snapCount: SNAP_COUNT,
      reconfig: true,
      faketime: faketimeLibrary(),
      diskBytes: DISK_BYTES,
      fsyncShim,
    });
    options.log(`campaign seed ${options.seed}: ${MEMBERS} members on ${cluster.subnet}.0/24`);
    for (let index = 1; ; index++) {
      const remaining = options.timeBoundMs - (Date.now() - started);
      if (remaining < SCENARIO_BUDGET_MS && index > 1) break;
      const plan = next(index);
      if (plan === undefined) break;
      const env = { cluster, ensemble, log: options.log };
      const result = await runScenario(env, plan);
      totals.scenarios++;
      totals.operations += result.operations;
      totals.faults += result.faults.length;
      totals.violations += result.violations.length;
      options.log(scenarioLine(result));
      if (result.violations.length > 0) {
        const file = writeFailure(result, options.seed, ensemble.logTails(60));
        totals.reports.push(file);
        options.log(replayHint(result, options.seed, file));
        // Later scenarios need a working ensemble; one that cannot converge ends the run.
        const converged = await ensemble.waitConverged(60_000).then(
          () => true,
          (error: unknown) => {
            options.log(`the ensemble did not recover, the campaign ends: ${String(error)}`);
            return false;
          },
        );
        if (!converged) {
          keepLogs = true;
          disownDir(ensemble.rootDir);
          options.log(`server logs kept in ${ensemble.rootDir}`);
          break;
        }
      }
    }
  } finally {
    await ensemble?.stop(keepLogs);
    await cluster.down();
    build.remove();
    totals.durationMs = Date.now() - started;
  }
  return totals;
}
