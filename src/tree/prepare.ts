/**
 * prepare: committed tree + pending overlay + request → txn. Pure and deterministic given its
 * context (zxid, time, identities). Validation follows ZooKeeper's PrepRequestProcessor order
 * exactly, because the first failing check decides the error code clients see (protocol §5).
 * A failed request still becomes a txn (type 'error') and consumes a zxid, as in ZooKeeper.
 */
import { Err } from '../protocol/error-codes.js';
import { OpCode, Perm } from '../protocol/opcodes.js';
import type { Id, SessionId } from '../protocol/records.js';
import type {
  CheckRequest,
  DeleteRequest,
  MultiRequest,
  SetACLRequest,
  SetDataRequest,
  WriteSubRequest,
} from '../protocol/requests.js';
import { fixupACL, hasPerm } from './acl.js';
import { NodeKind } from './node.js';
import { ScratchView, type NodeView, type Overlay, type StateView } from './overlay.js';
import { CONFIG_PATH, isValidPath, parentOf, pathTooLong, SPECIAL_PATHS } from './path.js';
import { prepareCreate } from './prepare-create.js';
import type { Txn, TxnOp } from './txn.js';

export interface PrepareContext {
  zxid: number;
  time: number;
  sessionId: SessionId;
  /** Identities of the requesting connection (ip, digest, super). */
  ids: readonly Id[];
  extendedTypesEnabled: boolean;
  /** warren.pathBytesMax: a longer path is BadArguments, like any invalid path. */
  pathBytesMax: number;
  /** Set only for a reconfig's own write of /zookeeper/config (see guardConfigNode). */
  configUpdate?: boolean;
}

/** A validation failure: the ZooKeeper error code the client gets. */
export class PrepareError extends Error {
  constructor(readonly err: number) {
    super(`prepare failed with ${err}`);
  }
}

/**
 * One error object per code, made once: prepare failures are ordinary (NodeExists, BadVersion)
 * and are always caught inside prepare, so capturing a stack trace for each was pure cost.
 */
const failures = new Map<number, PrepareError>();

export function fail(err: number): never {
  let failure = failures.get(err);
  if (failure === undefined) {
    failure = new PrepareError(err);
    failures.set(err, failure);
  }
  throw failure;
}

export type SingleWriteRequest = WriteSubRequest | SetACLRequest;

/** Prepares a single write or a multi. On success the overlay records its changes. */
export function prepareWrite(
  req: SingleWriteRequest | MultiRequest,
  overlay: Overlay,
  ctx: PrepareContext,
): Txn {
  const scratch = new OpScratch(overlay);
  const header = { zxid: ctx.zxid, time: ctx.time, sessionId: ctx.sessionId };
  if (req.type === OpCode.multi) {
    // ZooKeeper stamps a zxid before reading a multi's body: one it cannot read still takes it.
    if (req.unreadable === true) {
      return { ...header, body: { type: 'error', err: Err.marshallingError } };
    }
    const errs = prepareMultiOps(req, scratch, ctx);
    if (errs !== null) return { ...header, body: { type: 'multiError', errs } };
    return commit(overlay, scratch, { ...header, body: { type: 'ops', ops: scratch.ops } });
  }
  try {
    const op = prepareOp(req, scratch, ctx);
    return commit(overlay, scratch, { ...header, body: { type: 'ops', ops: [op] } });
  } catch (e) {
    if (e instanceof PrepareError) return { ...header, body: { type: 'error', err: e.err } };
    throw e;
  }
}

class OpScratch extends ScratchView {
  readonly ops: TxnOp[] = [];
}

function commit(overlay: Overlay, scratch: ScratchView, txn: Txn): Txn {
  for (const [path, node] of scratch.changes) overlay.record(txn.zxid, path, node);
  return txn;
}

/** Returns null on success (ops collected in scratch.ops), else the per-op error codes. */
function prepareMultiOps(req: MultiRequest, scratch: OpScratch, ctx: PrepareContext) {
  for (let i = 0; i < req.ops.length; i++) {
    const sub = req.ops[i] as WriteSubRequest;
    try {
      scratch.ops.push(prepareOp(sub, scratch, ctx));
    } catch (e) {
      if (!(e instanceof PrepareError)) throw e;
      return req.ops.map((_, j) => (j < i ? Err.ok : j === i ? e.err : Err.runtimeInconsistency));
    }
  }
  return null;
}

function prepareOp(req: SingleWriteRequest, view: StateView, ctx: PrepareContext): TxnOp {
  // Before any lookup: an overlong key is what makes the tree's maps slow (util/limits.ts).
  if (pathTooLong(req.path, ctx.pathBytesMax)) fail(Err.badArguments);
  switch (req.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return prepareCreate(req, view, ctx);
    case OpCode.delete:
      return prepareDelete(req, view, ctx);
    case OpCode.setData:
      return prepareSetData(req, view, ctx);
    case OpCode.setACL:
      return prepareSetACL(req, view, ctx);
    case OpCode.check:
      return prepareCheck(req, view, ctx);
  }
}

/**
 * /zookeeper/config changes only through reconfig: the leader walks the membership towards
 * what it holds, so a plain write there (even by super, which ZooKeeper 3.9 lets through its
 * read-only ACL) would be a reconfig that bypasses reconfigEnabled and the reconfig checks.
 * Everyone gets what ZooKeeper answers a non-super client: NoAuth.
 */
export function guardConfigNode(path: string, ctx: PrepareContext): void {
  if (path === CONFIG_PATH && ctx.configUpdate !== true) fail(Err.noAuth);
}

export function lookupOrFail(view: StateView, path: string): NodeView {
  const node = view.lookup(path);
  if (node === null) fail(Err.noNode);
  return node;
}

function checkPerm(node: NodeView, perm: number, ctx: PrepareContext): void {
  if (!hasPerm(node.acl, perm, ctx.ids)) fail(Err.noAuth);
}

/** checkAndIncVersion: -1 matches anything; versions are signed 32-bit and wrap. */
function nextVersion(current: number, expected: number): number {
  if (expected !== -1 && expected !== current) fail(Err.badVersion);
  return (current + 1) | 0;
}

/** Records a validated delete in the view: the node is gone, its parent has one child less. */
function stageDelete(view: StateView, path: string): void {
  const parentPath = parentOf(path);
  const parent = lookupOrFail(view, parentPath);
  view.put(parentPath, { ...parent, numChildren: parent.numChildren - 1 });
  view.put(path, null);
}

function prepareDelete(req: DeleteRequest, view: StateView, ctx: PrepareContext): TxnOp {
  const path = req.path;
  if (path.lastIndexOf('/') < 0 || path.includes('\u0000') || SPECIAL_PATHS.has(path)) {
    fail(Err.badArguments);
  }
  const parentPath = parentOf(path);
  const parent = lookupOrFail(view, parentPath);
  checkPerm(parent, Perm.delete, ctx);
  const node = lookupOrFail(view, path);
  nextVersion(node.version, req.version);
  if (node.numChildren > 0) fail(Err.notEmpty);
  stageDelete(view, path);
  return { type: 'delete', path };
}

function prepareSetData(req: SetDataRequest, view: StateView, ctx: PrepareContext): TxnOp {
  if (!isValidPath(req.path)) fail(Err.badArguments);
  const node = lookupOrFail(view, req.path);
  checkPerm(node, Perm.write, ctx);
  guardConfigNode(req.path, ctx);
  const version = nextVersion(node.version, req.version);
  view.put(req.path, { ...node, version, mtime: ctx.time });
  return { type: 'setData', path: req.path, data: req.data, version };
}

function prepareSetACL(req: SetACLRequest, view: StateView, ctx: PrepareContext): TxnOp {
  if (!isValidPath(req.path)) fail(Err.badArguments);
  const acl = fixupACL(req.acl, ctx.ids);
  if (acl === null) fail(Err.invalidACL);
  const node = lookupOrFail(view, req.path);
  checkPerm(node, Perm.admin, ctx);
  guardConfigNode(req.path, ctx);
  const aversion = nextVersion(node.aversion, req.version);
  view.put(req.path, { ...node, acl, aversion });
  return { type: 'setACL', path: req.path, acl, aversion };
}

function prepareCheck(req: CheckRequest, view: StateView, ctx: PrepareContext): TxnOp {
  if (!isValidPath(req.path)) fail(Err.badArguments);
  const node = lookupOrFail(view, req.path);
  checkPerm(node, Perm.read, ctx);
  nextVersion(node.version, req.version);
  return { type: 'check', path: req.path };
}

/**
 * A new ensemble configuration in /zookeeper/config (reconfig, or the first leader writing
 * the static one): `text` is the server lines; the version line is the txn's own zxid, in
 * hex, as ZooKeeper writes it. The caller needs WRITE on the node (super passes).
 */
export function prepareConfigUpdate(text: string, overlay: Overlay, ctx: PrepareContext): Txn {
  const data = Buffer.from(`${text}version=${ctx.zxid.toString(16)}`, 'latin1');
  const req: SetDataRequest = { type: OpCode.setData, path: CONFIG_PATH, data, version: -1 };
  return prepareWrite(req, overlay, { ...ctx, configUpdate: true });
}

/**
 * Closing or expiring a session: deletes its ephemerals, as they will be when this txn
 * applies (committed ones not already deleted by a pending write, plus pending creates).
 */
export function prepareCloseSession(
  sessionId: SessionId,
  committed: Iterable<string>,
  overlay: Overlay,
  ctx: { zxid: number; time: number },
): Txn {
  const paths = new Set<string>();
  for (const path of committed) {
    const view = overlay.lookup(path);
    if (view !== null && view.ephemeralOwner === sessionId) paths.add(path);
  }
  for (const path of overlay.pendingEphemerals(sessionId)) paths.add(path);
  const sorted = [...paths].sort();
  const scratch = new ScratchView(overlay);
  for (const path of sorted) stageDelete(scratch, path);
  const txn: Txn = {
    zxid: ctx.zxid,
    time: ctx.time,
    sessionId,
    body: { type: 'closeSession', sessionId },
  };
  return commit(overlay, scratch, txn);
}

/** Whether the reaper should delete this node: an emptied container or an expired TTL node. */
export function reapDue(node: NodeView | null, now: number): boolean {
  if (node === null || node.numChildren > 0) return false;
  if (node.kind === NodeKind.container) return node.creations > 0;
  if (node.kind === NodeKind.ttl) return now - node.mtime > node.ttlMs;
  return false;
}

/**
 * The reaper's delete of an empty container or an expired TTL node. Returns null (and
 * consumes nothing) when the node no longer qualifies once pending changes are counted.
 */
export function prepareReap(path: string, overlay: Overlay, ctx: PrepareContext): Txn | null {
  if (!reapDue(overlay.lookup(path), ctx.time)) return null;
  const scratch = new ScratchView(overlay);
  stageDelete(scratch, path);
  const txn: Txn = {
    zxid: ctx.zxid,
    time: ctx.time,
    sessionId: 0n,
    body: { type: 'ops', ops: [{ type: 'delete', path }] },
  };
  return commit(overlay, scratch, txn);
}
