/**
 * Compares the two trees node by node (paths, data, ACLs, types, sequence counters), reading
 * both sides at once. Types: a source container or TTL node is known from ZooKeeper's files,
 * a target's from what this run created (the protocol shows neither); an ephemeral shows on
 * both. Source ephemerals missing from the target are expected and not differences.
 */
import type { MigrateContext } from './context.js';
import { diffChildren, diffNode, type Difference, type NodeFacts } from './diff.js';
import { PERSISTENT, typeFromOwner } from './node-type.js';
import { childPath, isSystemPath, sequenceCounter, sourceType, type NodeImage } from './plan.js';
import { readNode } from './read-node.js';
import { walk } from './walk.js';

/** Differences kept for printing; more are counted. */
export const DIFFERENCES_LISTED_MAX = 1_000;

export interface VerifyResult {
  compared: number;
  differences: Difference[];
  /** All differences, listed or not. */
  count: number;
}

function facts(node: NodeImage, type: NodeFacts['type']): NodeFacts {
  return {
    data: node.data,
    acl: node.acl,
    type,
    children: node.children,
    counter: sequenceCounter(node.stat),
  };
}

/** Where a comparison starts, and whether it goes on below. */
export interface VerifyRoot {
  path: string;
  subtree: boolean;
}

export async function verifyTrees(
  ctx: MigrateContext,
  roots: readonly VerifyRoot[],
  concurrency: number,
  onNode: (compared: number) => void = () => undefined,
): Promise<VerifyResult> {
  const differences: Difference[] = [];
  let count = 0;
  const note = (d: Difference): void => {
    count++;
    if (differences.length < DIFFERENCES_LISTED_MAX) differences.push(d);
  };
  let compared = 0;
  const visit = async ({ path, subtree }: VerifyRoot): Promise<VerifyRoot[]> => {
    if (isSystemPath(path)) return [];
    const [src, tgt] = await Promise.all([
      readNode(ctx.source, 'source', path),
      readNode(ctx.target, 'target', path),
    ]);
    onNode(++compared);
    const srcType = src === null ? null : sourceType(src.stat, ctx.knownTypes.get(path));
    if (src !== null && srcType?.kind === 'ephemeral') ctx.report.ephemeral(path, srcType.owner);
    const srcLive = src !== null && srcType?.kind !== 'ephemeral';
    if (!srcLive) {
      if (tgt !== null) note({ path, what: 'onlyTarget' });
      return [];
    }
    if (tgt === null) {
      note({ path, what: 'onlySource' });
      return [];
    }
    const shown = typeFromOwner(tgt.stat.ephemeralOwner);
    const tgtType = shown.kind === 'ephemeral' ? shown : (ctx.createdTypes.get(path) ?? PERSISTENT);
    const rootType = path === '/' ? null : undefined;
    for (const d of diffNode(
      path,
      facts(src, rootType ?? srcType),
      facts(tgt, rootType ?? tgtType),
    )) {
      note(d);
    }
    if (!subtree) return [];
    const { onlyTarget } = diffChildren(src.children, tgt.children);
    for (const name of onlyTarget) {
      const child = childPath(path, name);
      if (!isSystemPath(child)) note({ path: child, what: 'onlyTarget' });
    }
    // Children only the source has are visited: an ephemeral there is no difference.
    return src.children.map((name) => ({ path: childPath(path, name), subtree: true }));
  };
  await walk(roots, visit, concurrency);
  return { compared, differences, count };
}
