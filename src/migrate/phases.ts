/**
 * The phases that write to the target: the copy (a walk reconciling every node), replaying
 * the paths the watch reported (or a whole-tree pass when events may have been lost), and
 * the repair of what verify found.
 */
import type { MigrateContext } from './context.js';
import { advanceCounter } from './counters.js';
import type { Difference } from './diff.js';
import type { DirtyPaths } from './dirty-paths.js';
import { childPath } from './plan.js';
import { reconcile } from './reconcile.js';
import type { VerifyRoot } from './verify.js';
import { walk } from './walk.js';

interface Item {
  path: string;
  fresh: boolean;
}

/**
 * Reconciles the subtrees at `roots` with their whole contents; `fresh` roots are known to be
 * absent from the target. Resolves with the number of nodes looked at.
 */
export function reconcileSubtrees(
  ctx: MigrateContext,
  roots: readonly Item[],
  concurrency: number,
  onNode: (done: number) => void = () => undefined,
): Promise<number> {
  let done = 0;
  const visit = async ({ path, fresh }: Item): Promise<Item[]> => {
    const { children, created } = await reconcile(ctx, path, fresh);
    onNode(++done);
    return children.map((name) => ({ path: childPath(path, name), fresh: created }));
  };
  return walk(roots, visit, concurrency);
}

/**
 * Replays what the watch reported since the last call. Paths are taken shallowest first and
 * one at a time, so a parent is in place before its children; a node made anew (created, or
 * recreated with another type) gets its subtree. Resolves with the number of paths replayed.
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
      replayed += await reconcileSubtrees(ctx, [{ path: '/', fresh: false }], concurrency);
      continue;
    }
    if (paths.length === 0) return replayed;
    for (const path of paths) {
      const { children, created } = await reconcile(ctx, path, false);
      replayed++;
      if (created && children.length > 0) {
        const below = children.map((name) => ({ path: childPath(path, name), fresh: true }));
        replayed += await reconcileSubtrees(ctx, below, concurrency);
      }
    }
  }
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
  const roots = [...subtrees].map((path) => ({ path, fresh: false }));
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
