/**
 * Preparing create, create2, createContainer and createTTL: create modes, TTL limits,
 * sequential naming from the parent's creation counter, and ZooKeeper's validation order
 * (protocol §5.1, §10, §11).
 */
import { Err } from '../protocol/error-codes.js';
import { CreateFlag, OpCode, Perm } from '../protocol/opcodes.js';
import type { CreateRequest } from '../protocol/requests.js';
import { fixupACL, hasPerm } from './acl.js';
import { NodeKind } from './node.js';
import type { StateView } from './overlay.js';
import { isValidPath, parentOf, sequenceSuffix } from './path.js';
import { fail, guardConfigNode, lookupOrFail, type PrepareContext } from './prepare.js';
import type { CreateOp } from './txn.js';

/** The largest TTL ZooKeeper can encode in an ephemeral owner: 2^40 − 1 ms. */
export const TTL_MS_MAX = 0xffffffffff;

interface Mode {
  ephemeral: boolean;
  sequential: boolean;
  ttl: boolean;
}

function modeOf(flags: number): Mode | null {
  switch (flags) {
    case CreateFlag.persistent:
    case CreateFlag.container:
      return { ephemeral: false, sequential: false, ttl: false };
    case CreateFlag.ephemeral:
      return { ephemeral: true, sequential: false, ttl: false };
    case CreateFlag.persistentSequential:
      return { ephemeral: false, sequential: true, ttl: false };
    case CreateFlag.ephemeralSequential:
      return { ephemeral: true, sequential: true, ttl: false };
    case CreateFlag.persistentWithTtl:
      return { ephemeral: false, sequential: false, ttl: true };
    case CreateFlag.persistentSequentialWithTtl:
      return { ephemeral: false, sequential: true, ttl: true };
    default:
      return null;
  }
}

function kindOf(req: CreateRequest, mode: Mode): NodeKind {
  // The opcode decides container-ness: op 1/15 with the container flag makes a plain node,
  // as ZooKeeper does (protocol §25).
  if (req.type === OpCode.createContainer) return NodeKind.container;
  if (mode.ttl) return NodeKind.ttl;
  return mode.ephemeral ? NodeKind.ephemeral : NodeKind.persistent;
}

export function prepareCreate(req: CreateRequest, view: StateView, ctx: PrepareContext): CreateOp {
  const mode = modeOf(req.flags);
  if (mode === null) fail(Err.badArguments);
  if (mode.ttl && !ctx.extendedTypesEnabled) fail(Err.unimplemented);
  if (mode.ttl ? req.ttl <= 0 || req.ttl > TTL_MS_MAX : req.ttl >= 0) fail(Err.badArguments);
  if (req.type === OpCode.createTTL && !mode.ttl) fail(Err.badArguments);
  let path = req.path;
  if (path.lastIndexOf('/') < 0 || path.includes('\u0000')) fail(Err.badArguments);
  const acl = fixupACL(req.acl, ctx.ids);
  if (acl === null) fail(Err.invalidACL);
  // As in ZooKeeper, the parent is everything before the last '/', the root for '/x' and '/'.
  const parentPath = parentOf(path) || '/';
  const parent = lookupOrFail(view, parentPath);
  if (!hasPerm(parent.acl, Perm.create, ctx.ids)) fail(Err.noAuth);
  guardConfigNode(parentPath, ctx);
  if (mode.sequential) path += sequenceSuffix(parent.creations);
  if (!isValidPath(path)) fail(Err.badArguments);
  if (view.lookup(path) !== null) fail(Err.nodeExists);
  if (parent.kind === NodeKind.ephemeral) fail(Err.noChildrenForEphemerals);
  const kind = kindOf(req, mode);
  view.put(parentPath, {
    ...parent,
    creations: (parent.creations + 1) | 0,
    numChildren: parent.numChildren + 1,
  });
  const ephemeralOwner = kind === NodeKind.ephemeral ? ctx.sessionId : 0n;
  const ttlMs = kind === NodeKind.ttl ? req.ttl : 0;
  view.put(path, {
    version: 0,
    aversion: 0,
    creations: 0,
    numChildren: 0,
    kind,
    ephemeralOwner,
    acl,
    mtime: ctx.time,
    ttlMs,
  });
  return { type: 'create', path, data: req.data, acl, kind, ephemeralOwner, ttlMs };
}
