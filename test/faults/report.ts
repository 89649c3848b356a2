/**
 * What the campaign prints: one line per scenario, the totals, and for a failed scenario a
 * JSON file with its plan, seed, faults, violations and every workload's history, plus the
 * command that replays it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScenarioResult } from './scenario-runner.js';

export interface CampaignTotals {
  seed: number;
  scenarios: number;
  operations: number;
  faults: number;
  violations: number;
  durationMs: number;
  /** Failure reports written, one per failed scenario. */
  reports: string[];
}

export function scenarioLine(r: ScenarioResult): string {
  const parts = [...r.byWorkload].map(([name, w]) => `${name} ${w.operations}`).join(', ');
  return (
    `scenario ${r.plan.index} ${r.plan.name}: ${r.operations} ops (${parts}), ` +
    `${r.faults.length} faults, ${r.violations.length} violations, ` +
    `${(r.durationMs / 1000).toFixed(1)} s (seed ${r.plan.seed})`
  );
}

export function totalsLine(t: CampaignTotals): string {
  return (
    `campaign seed ${t.seed}: ${t.scenarios} scenarios, ${t.operations} ops, ${t.faults} ` +
    `faults, ${t.violations} violations, ` +
    `${(t.durationMs / 60_000).toFixed(1)} min`
  );
}

/** Writes the failure report of `r` with the members' log tails; returns its path. */
export function writeFailure(r: ScenarioResult, campaignSeed: number, serverLogs: string): string {
  const dir = process.env.FAULTS_OUT ?? join(tmpdir(), 'warren-faults');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `scenario-${campaignSeed}-${r.plan.index}.json`);
  const replay =
    `FAULTS_SEED=${campaignSeed} npm run test:faults  ` +
    `(or only this plan: FAULTS_SEED=${r.plan.seed} FAULTS_SCENARIOS=${r.plan.name})`;
  const body = {
    replay,
    campaignSeed,
    scenario: r.plan.index,
    plan: r.plan.name,
    seed: r.plan.seed,
    holdMs: r.plan.holdMs,
    faults: r.faults,
    violations: r.violations,
    histories: r.histories,
    serverLogs: serverLogs.split('\n'),
  };
  writeFileSync(
    file,
    JSON.stringify(body, (_, v: unknown) => (v === Infinity ? 'never' : v), 1),
  );
  return file;
}

export function replayHint(r: ScenarioResult, campaignSeed: number, file: string): string {
  return (
    `  violations:\n${r.violations.map((v) => `    ${v}`).join('\n')}\n` +
    `  histories: ${file}\n` +
    `  replay: FAULTS_SEED=${campaignSeed} npm run test:faults, or this plan alone: ` +
    `FAULTS_SEED=${r.plan.seed} FAULTS_SCENARIOS=${r.plan.name} npm run test:faults`
  );
}
