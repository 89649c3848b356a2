/**
 * `warren migrate`: moves a live ZooKeeper's tree into Warren (or any ZooKeeper-protocol
 * server) over the client protocol. The watch goes on first, then the copy; replaying the
 * watch's paths keeps the target in step until cut-over (a signal, or at once with --once);
 * a verify compares both trees, repairs and compares again what differed.
 * docs/operations.md, "Moving off ZooKeeper: migrate".
 */
import type { Logger } from 'pino';
import { parseConnectString, type ZooKeeperClient } from '../client/index.js';
import { connect, refuseNonEmpty } from './connect.js';
import type { MigrateContext } from './context.js';
import { DirtyPaths } from './dirty-paths.js';
import { MigrateError } from './migrate-error.js';
import { reconcileSubtrees, replayDirty } from './phases.js';
import { NodeProgress, type ProgressSink } from './progress.js';
import { MigrationReport } from './report.js';
import { SourceWatch } from './source-watch.js';
import { readSourceTypes, type SourceFiles } from './source-types.js';
import { syncUntil } from './sync-loop.js';
import type { VerifyResult } from './verify.js';
import { verifyAndRepair } from './verify-repair.js';

/** Paths the watch may report before only a whole-tree pass is kept (DirtyPaths). */
export const DIRTY_PATHS_MAX = 100_000;
export const CONCURRENCY_MAX = 1024;

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
