/**
 * The phases that write to the target: the copy (a walk reconciling every node), replaying
 * the paths the watch reported (or a whole-tree pass when events may have been lost), and
 * the repair of what verify found.
 */
import type { MigrateContext } from './context.js';
import { advanceCounter } from './counters.js';
import type { Difference } from './diff.js';
import type { DirtyPaths } from './dirty-paths.js';
import { childPath, depthOf } from './plan.js';
import { reconcile } from './reconcile.js';
import type { VerifyRoot } from './verify.js';
import { walk } from './walk.js';

interface Item {
  path: string;
  /** The target surely lacks the node (reconcile.ts). */
  fresh: boolean;
  /** Go on below even when the node was there already (a node made now always is). */
  subtree: boolean;
}

/**
 * Reconciles the nodes at `roots` (and their subtrees where asked, and always below a node
 * made now). Resolves with the number of nodes looked at.
 */
export function reconcileSubtrees(
  ctx: MigrateContext,
  roots: readonly Item[],
  concurrency: number,
  onNode: (done: number) => void = () => undefined,
): Promise<number> {
  let done = 0;
  const visit = async ({ path, fresh, subtree }: Item): Promise<Item[]> => {
    const { children, created } = await reconcile(ctx, path, fresh);
    onNode(++done);
    if (!created && !subtree) return [];
    return children.map((name) => ({ path: childPath(path, name), fresh: created, subtree: true }));
  };
  return walk(roots, visit, concurrency);
}

/**
 * Replays what the watch reported since the last call. Paths are taken by depth, shallowest
 * first, so a parent is in place before its children; the paths of one depth are independent
 * and run `concurrency` at a time. A node made anew (created, or recreated with another type)
 * gets its subtree. Resolves with the number of paths replayed.
 */
export async function replayDirty(
  ctx: MigrateContext,
  dirty: DirtyPaths,
  concurrency: number,
): Promise<number> {
  let replayed = 0;
  for (;;) {
    const { rescan, paths } = dirty.take();
    if (rescan) {
      const root = { path: '/', fresh: false, subtree: true };
      replayed += await reconcileSubtrees(ctx, [root], concurrency);
      continue;
    }
    if (paths.length === 0) return replayed;
    for (const level of byDepth(paths)) {
      const items = level.map((path) => ({ path, fresh: false, subtree: false }));
      replayed += await reconcileSubtrees(ctx, items, concurrency);
    }
  }
}

/** Paths sorted shallowest first, cut into runs of one depth. */
function byDepth(sorted: readonly string[]): string[][] {
  const levels: string[][] = [];
  let depth = -1;
  for (const path of sorted) {
    const d = depthOf(path);
    if (d !== depth) {
      levels.push([]);
      depth = d;
    }
    levels[levels.length - 1]?.push(path);
  }
  return levels;
}

/**
 * Reconciles what verify found different: a node the target lacks, or whose type differs,
 * with its subtree; otherwise the node alone (a node only the target has goes, as the source
 * has none). A sequence counter behind the source's is moved up to it exactly. Resolves with
 * what to compare again.
 */
export async function repair(
  ctx: MigrateContext,
  differences: readonly Difference[],
  concurrency: number,
): Promise<VerifyRoot[]> {
  const subtrees = new Set<string>();
  const single = new Set<string>();
  for (const d of differences) {
    if (d.what === 'counter') {
      await advanceCounter(ctx.target, d.path, d.source - d.target);
      ctx.report.countersAdvanced++;
      ctx.report.counterCreations += d.source - d.target;
    } else if (d.what === 'onlySource' || d.what === 'type') subtrees.add(d.path);
    else single.add(d.path);
  }
  const roots = [...subtrees].map((path) => ({ path, fresh: false, subtree: true }));
  await reconcileSubtrees(ctx, roots, concurrency);
  for (const path of single) await reconcile(ctx, path, false);
  // What to compare again: the subtrees made anew, and the nodes changed alone.
  const again = [...subtrees].map((path) => ({ path, subtree: true }));
  for (const path of single) if (!subtrees.has(path)) again.push({ path, subtree: false });
  for (const d of differences) {
    if (d.what === 'counter' && !subtrees.has(d.path)) again.push({ path: d.path, subtree: false });
  }
  return again;
}
