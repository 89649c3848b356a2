/**
 * `warren migrate`: moves a live ZooKeeper's tree into Warren (or any ZooKeeper-protocol
 * server) over the client protocol. The watch goes on first, then the copy; replaying the
 * watch's paths keeps the target in step until cut-over (a signal, or at once with --once);
 * a verify compares both trees, repairs and compares again what differed.
 * docs/operations.md, "Moving off ZooKeeper: migrate".
 */
import type { Logger } from 'pino';
import { createClient, parseConnectString, type ZooKeeperClient } from '../client/index.js';
import type { MigrateContext } from './context.js';
import { formatDifference } from './diff.js';
import { DirtyPaths } from './dirty-paths.js';
import { MigrateError } from './migrate-error.js';
import { reconcileSubtrees, repair, replayDirty } from './phases.js';
import { isSystemPath } from './plan.js';
import { NodeProgress, type ProgressSink } from './progress.js';
import { MigrationReport } from './report.js';
import { SourceWatch } from './source-watch.js';
import { readSourceTypes, type SourceFiles } from './source-types.js';
import { verifyTrees, type VerifyResult } from './verify.js';

/** Paths the watch may report before only a whole-tree pass is kept (DirtyPaths). */
export const DIRTY_PATHS_MAX = 100_000;
export const CONCURRENCY_MAX = 1024;
/** Verify → repair → verify again, at most this many rounds. */
const REPAIR_ROUNDS_MAX = 3;
/** Differences logged before each repair round. */
const DIFFERENCES_LOGGED_MAX = 20;

export interface MigrateOptions {
  from: string;
  to: string;
  /** `scheme:credentials`, e.g. `digest:super:secret`; each is an addAuth. */
  fromAuth: readonly string[];
  toAuth: readonly string[];
  /** ZooKeeper's data directory, read for container and TTL types. */
  sourceFiles: SourceFiles | null;
  /** Until this aborts, changes are replayed (cut-over); never set: copy, verify, done. */
  until: AbortSignal | null;
  /** The target may already hold nodes: they are made to match (extras deleted). */
  overwrite: boolean;
  concurrency: number;
  sessionTimeoutMs: number;
  syncIntervalMs: number;
  logger: Logger;
  progress: ProgressSink;
}

export interface MigrateSummary {
  copied: number;
  copySeconds: number;
  nodesPerSecond: number;
  replayed: number;
  report: MigrationReport;
  verify: VerifyResult;
  /** Differences the first verify found and the repair fixed. */
  repaired: number;
}

function authOf(text: string): { scheme: string; credentials: string } {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new MigrateError(`auth '${text}': expected scheme:credentials`);
  return { scheme: text.slice(0, colon), credentials: text.slice(colon + 1) };
}

async function connect(
  side: string,
  hosts: string,
  auths: readonly string[],
  sessionTimeoutMs: number,
): Promise<ZooKeeperClient> {
  parseConnectString(hosts);
  const client = createClient(hosts, { sessionTimeoutMs, maxOutstandingRequests: 1000 });
  try {
    await client.connect();
    for (const auth of auths) {
      const { scheme, credentials } = authOf(auth);
      await client.addAuth(scheme, credentials);
    }
    return client;
  } catch (error) {
    await client.close().catch(() => undefined);
    const why = error instanceof Error ? error.message : String(error);
    throw new MigrateError(`cannot connect to the ${side} ${hosts}: ${why}`);
  }
}

async function refuseNonEmpty(target: ZooKeeperClient, to: string): Promise<void> {
  const names = (await target.getChildren('/')).filter((n) => !isSystemPath(`/${n}`));
  if (names.length === 0) return;
  throw new MigrateError(
    `the target ${to} already holds nodes (/${names.slice(0, 3).join(', /')}${names.length > 3 ? ', ...' : ''}): ` +
      'give an empty one, or --overwrite to make them match the source (nodes the source ' +
      'lacks are deleted)',
  );
}

export async function migrate(opts: MigrateOptions): Promise<MigrateSummary> {
  if (opts.concurrency < 1 || opts.concurrency > CONCURRENCY_MAX) {
    throw new MigrateError(`concurrency must be 1..${CONCURRENCY_MAX}`);
  }
  const source = await connect('source', opts.from, opts.fromAuth, opts.sessionTimeoutMs);
  let target: ZooKeeperClient | null = null;
  try {
    target = await connect('target', opts.to, opts.toAuth, opts.sessionTimeoutMs);
    return await run(opts, source, target);
  } finally {
    await source.close().catch(() => undefined);
    await target?.close().catch(() => undefined);
  }
}

async function run(
  opts: MigrateOptions,
  source: ZooKeeperClient,
  target: ZooKeeperClient,
): Promise<MigrateSummary> {
  const { logger, concurrency } = opts;
  if (!opts.overwrite) await refuseNonEmpty(target, opts.to);
  const report = new MigrationReport();
  const ctx: MigrateContext = {
    source,
    target,
    knownTypes: new Map(),
    createdTypes: new Map(),
    report,
  };
  const chroot = parseConnectString(opts.from).chroot;
  if (opts.sourceFiles !== null) {
    const { types, zxid } = await readSourceTypes(opts.sourceFiles, chroot, logger);
    ctx.knownTypes = types;
    logger.info(
      `source types read up to zxid 0x${zxid.toString(16)}: ${types.size} containers/TTL`,
    );
  }
  const dirty = new DirtyPaths(DIRTY_PATHS_MAX);
  const watch = await SourceWatch.start(source, dirty, report);
  try {
    const total = await source.getAllChildrenNumber('/').catch(() => null);
    const progress = new NodeProgress('copy', total, opts.progress);
    const root = { path: '/', fresh: false, subtree: true };
    const copied = await reconcileSubtrees(ctx, [root], concurrency, (n) => progress.tick(n));
    const copySeconds = progress.elapsedS();
    const nodesPerSecond = Math.round(progress.rate(copied));
    logger.info(`copied ${copied} nodes in ${copySeconds.toFixed(1)} s (${nodesPerSecond}/s)`);
    let replayed = await replayDirty(ctx, dirty, concurrency);
    replayed += await syncUntil(opts, ctx, dirty, watch);
    watch.check();
    replayed += await replayDirty(ctx, dirty, concurrency);
    const { verify, repaired, replayed: late } = await verifyAndRepair(opts, ctx, dirty, chroot);
    replayed += late;
    return { copied, copySeconds, nodesPerSecond, replayed, report, verify, repaired };
  } finally {
    watch.stop();
  }
}

/** Replays changes every syncIntervalMs until the cut-over signal (none with --once). */
async function syncUntil(
  opts: MigrateOptions,
  ctx: MigrateContext,
  dirty: DirtyPaths,
  watch: SourceWatch,
): Promise<number> {
  const until = opts.until;
  if (until === null) return 0;
  opts.logger.info('in sync: replaying changes until SIGINT or SIGTERM (cut-over)');
  let replayed = 0;
  while (!until.aborted) {
    await pause(opts.syncIntervalMs, until);
    watch.check();
    const n = await replayDirty(ctx, dirty, opts.concurrency);
    replayed += n;
    if (n > 0) opts.progress(`sync: ${n} paths replayed (${ctx.report.events} events so far)`);
  }
  opts.logger.info('cut-over: replaying the last changes, then verifying');
  return replayed;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

async function verifyAndRepair(
  opts: MigrateOptions,
  ctx: MigrateContext,
  dirty: DirtyPaths,
  chroot: string,
): Promise<{ verify: VerifyResult; repaired: number; replayed: number }> {
  if (opts.sourceFiles !== null) {
    // Nodes created since the first read have their types in the files now.
    ctx.knownTypes = (await readSourceTypes(opts.sourceFiles, chroot, opts.logger)).types;
  }
  const progress = new NodeProgress('verify', null, opts.progress);
  const whole = [{ path: '/', subtree: true }];
  const first = await verifyTrees(ctx, whole, opts.concurrency, (n) => progress.tick(n));
  let verify = first;
  let replayed = 0;
  const counters = first.differences.filter((d) => d.what === 'counter').length;
  // Each round repairs the differences listed (at most DIFFERENCES_LISTED_MAX).
  for (let round = 1; round <= REPAIR_ROUNDS_MAX && verify.count > 0; round++) {
    opts.logger.info(
      `verify: ${verify.count} differences (sequence counters, changes since, types); repairing`,
    );
    for (const d of verify.differences.slice(0, DIFFERENCES_LOGGED_MAX)) {
      opts.logger.info(`  ${formatDifference(d)}`);
    }
    const again = await repair(ctx, verify.differences, opts.concurrency);
    replayed += await replayDirty(ctx, dirty, opts.concurrency);
    // Past the listed differences there are more: only the whole tree tells.
    const listedAll = verify.count === verify.differences.length;
    const recheck = await verifyTrees(ctx, listedAll ? again : whole, opts.concurrency);
    verify = { ...recheck, compared: listedAll ? first.compared : recheck.compared };
  }
  // Counters are matched here by design (reconcile.ts): they are not repairs.
  return { verify, repaired: Math.max(0, first.count - counters - verify.count), replayed };
}
