/**
 * `npm run test:faults`: the fault campaign from the command line. FAULTS_SEED (default: the
 * clock) picks every plan; FAULTS_MINUTES (default 10) bounds the run; FAULTS_SCENARIOS runs
 * named plans instead (`halves,bridge+kill-minority`); FAULTS_OUT is where failure reports
 * go (default: a folder in the temp dir). Exits 1 on any violation; without root or the
 * netns tools it prints why and exits 0, as the namespace tests skip.
 */
import { netnsSkipReason } from '../support/netns-cluster.js';
import { runCampaign } from './campaign.js';
import { totalsLine } from './report.js';

const OVERRUN_MS = 5 * 60_000;

function numberFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}=${text} is not a number`);
  return value;
}

async function main(): Promise<number> {
  const skip = netnsSkipReason();
  if (skip !== undefined) {
    console.log(`fault campaign skipped: ${skip}`);
    return 0;
  }
  const seed = numberFromEnv('FAULTS_SEED', Date.now() % 2 ** 31) >>> 0;
  const minutes = numberFromEnv('FAULTS_MINUTES', 10);
  const scenarios = process.env.FAULTS_SCENARIOS?.split(',').filter((s) => s !== '');
  // A scenario that hangs must not hold the run: exiting runs the clean-up hooks (servers,
  // namespaces, mounts).
  setTimeout(
    () => {
      console.error(`the campaign overran its ${minutes} min bound by ${OVERRUN_MS / 60_000} min`);
      process.exit(3);
    },
    minutes * 60_000 + OVERRUN_MS,
  ).unref();
  const totals = await runCampaign({
    seed,
    timeBoundMs: minutes * 60_000,
    scenarios,
    log: (line) => console.log(line),
  });
  console.log(totalsLine(totals));
  return totals.violations === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
