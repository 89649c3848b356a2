/**
 * Read operations against the committed tree, with their watch registration (which is atomic
 * with the read: nothing applies in between). Reads validate almost nothing, as in ZooKeeper
 * (protocol §5.6): a malformed path is simply not found.
 */
import { Err } from '../protocol/error-codes.js';
import { OpCode, Perm } from '../protocol/opcodes.js';
import { STAT_BYTES, type Id, type SessionId } from '../protocol/records.js';
import type {
  GetEphemeralsRequest,
  MultiReadRequest,
  PathRequest,
  PathWatchRequest,
} from '../protocol/requests.js';
import { EMPTY, type MultiResult, type Response } from '../protocol/responses.js';
import { hasPerm, maskDigests } from './acl.js';
import type { DataTree, ZNode } from './data-tree.js';
import { toStat } from './node.js';
import type { Kind, WatchManager } from './watch-manager.js';

export interface ReadContext {
  sessionId: SessionId;
  ids: readonly Id[];
  watches: WatchManager;
}

export interface ReadResult {
  err: number;
  response: Response;
}

const failed = (err: number): ReadResult => ({ err, response: EMPTY });
const ok = (response: Response): ReadResult => ({ err: Err.ok, response });

/**
 * ZooKeeper's tree also answers to '' for the root. Watches keep the path as sent: a watch on
 * '' is a different key from '/', so (as in ZooKeeper) no event ever fires it.
 */
const normalise = (path: string): string => (path === '' ? '/' : path);

function watch(ctx: ReadContext, kind: Kind, path: string): boolean {
  return ctx.watches.add(kind, ctx.sessionId, path);
}

function readable(tree: DataTree, path: string, ctx: ReadContext): ZNode | number {
  const node = tree.get(path);
  if (node === undefined) return Err.noNode;
  if (!hasPerm(node.acl, Perm.read, ctx.ids)) return Err.noAuth;
  return node;
}

export function exists(tree: DataTree, req: PathWatchRequest, ctx: ReadContext): ReadResult {
  const path = normalise(req.path);
  if (path.includes('\u0000')) return failed(Err.badArguments);
  const node = tree.get(path);
  if (node !== undefined && !hasPerm(node.acl, Perm.read, ctx.ids)) return failed(Err.noAuth);
  if (req.watch && !watch(ctx, 'data', req.path)) return failed(Err.throttledOp);
  if (node === undefined) return failed(Err.noNode);
  return ok({ kind: 'stat', stat: toStat(node) });
}

export function getData(tree: DataTree, req: PathWatchRequest, ctx: ReadContext): ReadResult {
  const path = normalise(req.path);
  const node = readable(tree, path, ctx);
  if (typeof node === 'number') return failed(node);
  if (req.watch && !watch(ctx, 'data', req.path)) return failed(Err.throttledOp);
  return ok({ kind: 'storedData', data: node.data, stat: toStat(node) });
}

/**
 * getChildren's checks and child watch, without the list: the node whose children to send,
 * or the error. (server/children-replies.ts builds a big list over several turns.)
 */
export function readChildren(
  tree: DataTree,
  req: PathWatchRequest,
  ctx: ReadContext,
): ZNode | number {
  const node = readable(tree, normalise(req.path), ctx);
  if (typeof node === 'number') return node;
  if (req.watch && !watch(ctx, 'child', req.path)) return Err.throttledOp;
  return node;
}

export function getACL(tree: DataTree, req: PathRequest, ctx: ReadContext): ReadResult {
  const node = tree.get(normalise(req.path));
  if (node === undefined) return failed(Err.noNode);
  const admin = hasPerm(node.acl, Perm.admin, ctx.ids);
  if (!admin && !hasPerm(node.acl, Perm.read, ctx.ids)) return failed(Err.noAuth);
  const acl = admin ? [...node.acl] : maskDigests(node.acl);
  return ok({ kind: 'acl', acl, stat: toStat(node) });
}

export function getAllChildrenNumber(
  tree: DataTree,
  req: PathRequest,
  ctx: ReadContext,
): ReadResult {
  const path = normalise(req.path);
  const node = readable(tree, path, ctx);
  if (typeof node === 'number') return failed(node);
  // ZooKeeper keeps the root under '' as well as '/', and counts it once more for ''.
  const extra = req.path === '' ? 1 : 0;
  return ok({ kind: 'count', count: tree.countDescendants(path) + extra });
}

export function getEphemerals(tree: DataTree, req: GetEphemeralsRequest, ctx: ReadContext) {
  const owned = tree.ephemerals.get(ctx.sessionId);
  const prefix = req.prefix.trim() === '' || req.prefix === '/' ? '' : req.prefix;
  const paths = owned === undefined ? [] : [...owned].filter((p) => p.startsWith(prefix));
  return ok({ kind: 'paths', paths });
}

/** A multiRead whose reply would be longer than it may be: at least this many bytes. */
export interface OversizedRead {
  oversized: number;
}

/** The reply header, and the multi's closing header (type, done, err). */
const multiFixedBytes = 16 + 9;
/** Each sub-result's header. */
const multiItemBytes = 9;

/**
 * multiRead: each sub-read stands alone; failures become error items (protocol §6.4). The
 * reply is counted as it is built (names as one byte a character, at most what UTF-8 takes)
 * and the read stops once it would pass `replyBytesMax`: many getChildren of a wide parent
 * would otherwise copy and encode millions of names to be refused (server/connection.ts).
 */
export function multiRead(
  tree: DataTree,
  req: MultiReadRequest,
  ctx: ReadContext,
  replyBytesMax = Infinity,
): ReadResult | OversizedRead {
  // ZooKeeper had begun the reply when it refused the first write sub-op: it goes out too.
  if (req.refused === true) {
    return { err: Err.marshallingError, response: { kind: 'multi', results: [] } };
  }
  let bytes = multiFixedBytes;
  const results: MultiResult[] = [];
  for (const op of req.ops) {
    bytes += multiItemBytes;
    const sub = { ...op, watch: false };
    let r: ReadResult;
    if (op.type === OpCode.getData) {
      r = getData(tree, sub, ctx);
      if (r.response.kind === 'storedData') {
        bytes += 4 + (r.response.data?.length ?? 0) + STAT_BYTES;
      }
    } else {
      const node = readChildren(tree, sub, ctx);
      if (typeof node === 'number') {
        r = failed(node);
      } else {
        const list = namesWithin(node, replyBytesMax - bytes);
        if (list === null) return { oversized: replyBytesMax + 1 };
        bytes += list.bytes;
        r = ok({ kind: 'children', children: list.names });
      }
    }
    if (r.err !== Err.ok) {
      bytes += 4;
      results.push({ type: OpCode.error, err: r.err, response: { kind: 'errorBody', err: r.err } });
    } else {
      results.push({ type: op.type, err: Err.ok, response: r.response });
    }
    if (bytes > replyBytesMax) return { oversized: bytes };
  }
  return ok({ kind: 'multi', results });
}

/**
 * A node's child names and their bytes on the wire (one byte a character), or null once they
 * would take more than `bytesMax` (stopping there).
 */
function namesWithin(node: ZNode, bytesMax: number): { names: string[]; bytes: number } | null {
  const names: string[] = [];
  let bytes = 4;
  for (const name of node.childNames()) {
    bytes += 4 + name.length;
    if (bytes > bytesMax) return null;
    names.push(name);
  }
  return { names, bytes };
}
