/**
 * The end of a migration: the source's types read again (nodes made during the sync), a
 * whole-tree comparison, then up to REPAIR_ROUNDS_MAX rounds of repairing what differed and
 * comparing it again. Sequence counters behind the source's are matched here by design.
 */
import type { MigrateContext } from './context.js';
import { formatDifference } from './diff.js';
import type { DirtyPaths } from './dirty-paths.js';
import type { MigrateOptions } from './migrate.js';
import { repair, replayDirty } from './phases.js';
import { NodeProgress } from './progress.js';
import { readSourceTypes } from './source-types.js';
import { verifyTrees, type VerifyResult } from './verify.js';

/** Verify → repair → verify again, at most this many rounds. */
const REPAIR_ROUNDS_MAX = 3;
/** Differences logged before each repair round. */
const DIFFERENCES_LOGGED_MAX = 20;

type VerifyOptions = Pick<MigrateOptions, 'sourceFiles' | 'logger' | 'concurrency' | 'progress'>;

export async function verifyAndRepair(
  opts: VerifyOptions,
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
