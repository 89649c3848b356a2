/**
 * One campaign scenario: every workload starts under its own base path, warms up, the plan's
 * nemeses are injected and held, the network is healed, the nemeses restored (in reverse),
 * the ensemble recovers, then the workloads stop and each checker runs. A nemesis or restore
 * that throws counts as a violation: the scenario could not do what it claims to test.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '../../src/client/index.js';
import type { NetnsCluster } from '../support/netns-cluster.js';
import type { NetnsEnsemble } from '../support/netns-ensemble.js';
import { Prng } from '../support/prng.js';
import { sleep } from '../support/server-process.js';
import type { NemesisContext, Restore } from './nemesis.js';
import type { ScenarioPlan } from './plan.js';
import { ChurnWorkload } from './workloads/churn.js';
import { LockWorkload } from './workloads/lock.js';
import { QueueWorkload } from './workloads/queue.js';
import { RegisterWorkload } from './workloads/register.js';
import { SequentialWorkload } from './workloads/sequential.js';
import { WatchWorkload } from './workloads/watches.js';
import type { Workload } from './workload.js';

const WARMUP_MS = 1_500;
const RECOVERY_MS = 2_000;
const LEADER_WAIT_MS = 60_000;

export interface ScenarioResult {
  plan: ScenarioPlan;
  operations: number;
  faults: string[];
  violations: string[];
  /** Per workload: operations and violations, for the summary and the failure report. */
  byWorkload: Map<string, { operations: number; violations: number }>;
  durationMs: number;
  /** Each workload's history, kept only when the scenario failed. */
  histories?: Record<string, unknown>;
}

export interface ScenarioEnvironment {
  cluster: NetnsCluster;
  ensemble: NetnsEnsemble;
  log: (message: string) => void;
}

function workloadsFor(ensemble: NetnsEnsemble, base: string, seed: number): Workload[] {
  const register = new RegisterWorkload(ensemble, base, seed);
  return [
    register,
    new SequentialWorkload(ensemble, base),
    new QueueWorkload(ensemble, base),
    new LockWorkload(ensemble, base, seed),
    new ChurnWorkload(ensemble, base),
    new WatchWorkload(ensemble, register.load.base),
  ];
}

async function createBase(ensemble: NetnsEnsemble, base: string): Promise<void> {
  const client = await createClient(ensemble.connectString(), { sessionTimeoutMs: 10_000 }).connect(
    { signal: AbortSignal.timeout(30_000) },
  );
  try {
    await client.create(base);
  } finally {
    await client.close();
  }
}

/**
 * Every member not running (killed, refused to start) is started again; one left without
 * Raft state (a replacement that failed midway) only as a joiner, never as an empty voter.
 */
async function allUp(ensemble: NetnsEnsemble): Promise<void> {
  for (const id of ensemble.ids) {
    if (ensemble.isRunning(id)) continue;
    ensemble.launch(id, { join: !existsSync(join(ensemble.dataDir(id), 'raft-state')) });
  }
  await ensemble.waitForLeader(ensemble.ids, LEADER_WAIT_MS);
}

export async function runScenario(
  env: ScenarioEnvironment,
  plan: ScenarioPlan,
): Promise<ScenarioResult> {
  const { cluster, ensemble } = env;
  const started = Date.now();
  const base = `/s${plan.index}`;
  const log = (message: string) => env.log(`[${plan.index} ${plan.name}] ${message}`);
  const faults: string[] = [];
  const violations: string[] = [];
  const ctx: NemesisContext = {
    cluster,
    ensemble,
    prng: new Prng(plan.seed),
    base,
    log,
    fault: (what) => {
      faults.push(what);
      log(`fault: ${what}`);
    },
    violation: (what) => violations.push(what),
  };
  await createBase(ensemble, base);
  const workloads = workloadsFor(ensemble, base, plan.seed);
  for (const w of workloads) await w.start();
  await sleep(WARMUP_MS);
  const restores: Restore[] = [];
  try {
    for (const nemesis of plan.nemeses) restores.push(await nemesis.inject(ctx));
    await sleep(plan.holdMs);
  } catch (error) {
    violations.push(`nemesis failed: ${String(error)}`);
  } finally {
    await cluster.heal();
    await cluster.clearNetem();
  }
  for (const restore of restores.reverse()) {
    await restore().catch((error: unknown) => violations.push(`restore failed: ${String(error)}`));
  }
  await allUp(ensemble).catch((e: unknown) => violations.push(`no recovery: ${String(e)}`));
  await sleep(RECOVERY_MS);
  for (const w of workloads) await w.stop();
  const byWorkload = new Map<string, { operations: number; violations: number }>();
  let operations = 0;
  for (const w of workloads) {
    const report = await w.check().catch((error: unknown) => ({
      operations: 0,
      violations: [`check failed: ${String(error)}`],
    }));
    operations += report.operations;
    byWorkload.set(w.name, {
      operations: report.operations,
      violations: report.violations.length,
    });
    violations.push(...report.violations.map((v) => `${w.name}: ${v}`));
  }
  const result: ScenarioResult = {
    plan,
    operations,
    faults,
    violations,
    byWorkload,
    durationMs: Date.now() - started,
  };
  if (violations.length > 0) {
    result.histories = Object.fromEntries(workloads.map((w) => [w.name, w.dump()]));
  }
  return result;
}
