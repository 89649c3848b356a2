/**
 * Makes one target node match the source node at the same path, reading the source now: so
 * running it again after any change converges, whatever happened in between. Used by the
 * copy (a walk over the tree), the sync (each path a watch event names) and the repair after
 * verify. Returns the source's child names for a caller that walks on. Sequence counters are
 * matched once the trees are (verify.ts, phases.ts): only then is the gap exact, since an
 * ephemeral child counts on the source and is never created on the target.
 */
import { NoAuthError, NodeExistsError, NoNodeError } from '../client/index.js';
import type { MigrateContext } from './context.js';
import { sameAcl, sameData } from './diff.js';
import { MigrateError } from './migrate-error.js';
import { sameType, type NodeType, PERSISTENT } from './node-type.js';
import {
  childPath,
  isSystemPath,
  parentOf,
  planCreate,
  sourceType,
  type NodeImage,
} from './plan.js';
import { noAuth, readNode } from './read-node.js';

export interface Reconciled {
  /** Source child names (not system paths): the nodes below to look at next. */
  children: string[];
  /** The target node was created now: its children are not there yet. */
  created: boolean;
}

/** A target subtree removed in one go is listed first: bounded, as the client requires. */
const SUBTREE_DELETE_MAX = 1_000_000;

/** Reads of a node that another step of this run keeps creating under it. */
const ATTEMPTS_MAX = 3;

const none: Reconciled = { children: [], created: false };

/**
 * `fresh`: the target surely lacks the node (its parent was just created by this run), so
 * it is created without reading the target first.
 */
export async function reconcile(
  ctx: MigrateContext,
  path: string,
  fresh: boolean,
  attempt = 1,
): Promise<Reconciled> {
  if (isSystemPath(path)) return none;
  const src = await readNode(ctx.source, 'source', path);
  if (src === null) {
    ctx.report.notEphemeral(path);
    await removeFromTarget(ctx, path);
    return none;
  }
  const type = sourceType(src.stat, ctx.knownTypes.get(path));
  if (type.kind === 'ephemeral') {
    ctx.report.ephemeral(path, type.owner);
    await removeFromTarget(ctx, path);
    return none;
  }
  ctx.report.notEphemeral(path);
  const children = src.children.filter((name) => !isSystemPath(childPath(path, name)));
  if (fresh) {
    if (await createOnTarget(ctx, src, type)) return { children, created: true };
  }
  const tgt = await readNode(ctx.target, 'target', path);
  if (tgt === null) {
    if (await createOnTarget(ctx, src, type)) return { children, created: true };
    // Made meanwhile by this run (two children wanting the same missing parent): look again.
    if (attempt < ATTEMPTS_MAX) return reconcile(ctx, path, false, attempt + 1);
    throw createdMeanwhile(path);
  }
  if (path !== '/' && !sameType(ctx.createdTypes.get(path) ?? PERSISTENT, type)) {
    // A type cannot be changed in place: the node and what is below it are made again.
    await removeFromTarget(ctx, path);
    if (await createOnTarget(ctx, src, type)) return { children, created: true };
    // Made meanwhile by this run (two children wanting the same missing parent): look again.
    if (attempt < ATTEMPTS_MAX) return reconcile(ctx, path, false, attempt + 1);
    throw createdMeanwhile(path);
  }
  await updateOnTarget(ctx, src, tgt);
  const wanted = new Set(children);
  const extra = tgt.children.filter((n) => !wanted.has(n) && !isSystemPath(childPath(path, n)));
  for (const name of extra) await removeFromTarget(ctx, childPath(path, name));
  return { children, created: false };
}

async function updateOnTarget(ctx: MigrateContext, src: NodeImage, tgt: NodeImage): Promise<void> {
  let changed = false;
  try {
    if (!sameData(src.data, tgt.data)) {
      await ctx.target.setData(src.path, src.data);
      changed = true;
    }
    if (!sameAcl(src.acl, tgt.acl)) {
      await ctx.target.setACL(src.path, src.acl);
      changed = true;
    }
  } catch (error) {
    if (error instanceof NoAuthError) throw noAuth('target', src.path, 'change it');
    throw error;
  }
  if (changed) ctx.report.updated++;
}

function createdMeanwhile(path: string): MigrateError {
  return new MigrateError(`target ${path}: created by another client meanwhile`);
}

/** Creates the node; false when it exists already. A missing parent is made first. */
async function createOnTarget(
  ctx: MigrateContext,
  src: NodeImage,
  type: NodeType,
): Promise<boolean> {
  const plan = planCreate(src, type);
  if (plan.action !== 'create') return false;
  const { mode, data, acl, ttlMs } = plan;
  const create = (): Promise<string> => ctx.target.create(src.path, { mode, data, acl, ttlMs });
  try {
    try {
      await create();
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
      // An event for a node whose parent the target lacks (created and changed since).
      await reconcile(ctx, parentOf(src.path), false);
      await create();
    }
    ctx.report.created++;
    if (type.kind === 'container' || type.kind === 'ttl') ctx.createdTypes.set(src.path, type);
    else ctx.createdTypes.delete(src.path);
    return true;
  } catch (error) {
    if (error instanceof NodeExistsError) return false;
    if (error instanceof NoAuthError) throw noAuth('target', parentOf(src.path), 'create children');
    if (error instanceof MigrateError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    const hint =
      type.kind === 'ttl' ? ' (TTL nodes need extendedTypesEnabled=true on the target)' : '';
    throw new MigrateError(`target ${src.path}: cannot create it as ${mode}: ${why}${hint}`);
  }
}

async function removeFromTarget(ctx: MigrateContext, path: string): Promise<void> {
  if (path === '/' || isSystemPath(path)) return;
  try {
    const n = await ctx.target.deleteRecursive(path, { nodesMax: SUBTREE_DELETE_MAX });
    ctx.report.deleted += n;
  } catch (error) {
    if (error instanceof NoAuthError) throw noAuth('target', parentOf(path), 'delete children');
    throw error;
  }
  ctx.createdTypes.delete(path);
}
