/**
 * Operations on a path's ancestors and descendants, built from plain node operations.
 *
 * createWithParents: create; on NoNode create every ancestor as an empty persistent node with
 * the node's ACL (pipelined: one connection keeps their order, so it costs one round trip),
 * NodeExists on an ancestor being fine (another client made it), then create again.
 *
 * deleteSubtree (ZooKeeper's ZKUtil.deleteRecursive): list the subtree breadth first, up to
 * nodesMax paths, then delete deepest first in multi batches. A batch that fails because
 * another client deleted a node or added a child is redone one delete at a time: a node
 * already gone is skipped, one that gained children is listed and deleted again (a few rounds
 * at most, so a subtree that keeps growing ends in NotEmptyError, not a loop).
 */
import { Err } from '../protocol/error-codes.js';
import type { CreateOptions } from './create-request.js';
import { SubtreeTooLargeError } from './client-errors.js';
import type { Transaction } from './transaction.js';
import type { CallOptions } from './types.js';
import { NodeExistsError, NoNodeError, NotEmptyError, ZooKeeperError } from './zookeeper-errors.js';

/** Create → missing parents → create again, this many times at most (concurrent deleters). */
const PARENT_ROUNDS_MAX = 3;
/** Default nodesMax: 100 000 paths are ~10 MB of strings in the client. */
export const deleteRecursiveNodesMax = 100_000;
/** Listing or deleting a subtree again after concurrent changes, at most this many times. */
const DELETE_ROUNDS_MAX = 5;
/** getChildren calls in flight while listing a subtree. */
const LIST_CONCURRENCY = 64;
/** Deletes per multi and their path bytes: far below jute.maxbuffer (1 MiB) either way. */
const BATCH_OPS_MAX = 1000;
const BATCH_PATH_BYTES_MAX = 256 * 1024;

export interface DeleteRecursiveOptions extends CallOptions {
  /** Refuse subtrees with more nodes than this, before deleting any (default 100 000). */
  nodesMax?: number;
}

export type CreateOnce<R> = (path: string, opts: CreateOptions) => Promise<R>;

/** What deleteSubtree uses of the client. */
export interface SubtreeClient {
  getChildren(path: string, opts: CallOptions): Promise<string[]>;
  delete(path: string, opts: CallOptions): Promise<void>;
  transaction(): Transaction;
}

export async function createWithParents<R>(
  createOnce: CreateOnce<R>,
  path: string,
  opts: CreateOptions,
): Promise<R> {
  for (let round = 1; ; round++) {
    try {
      return await createOnce(path, opts);
    } catch (error) {
      if (!(error instanceof NoNodeError) || round >= PARENT_ROUNDS_MAX) throw error;
    }
    await createAncestors(createOnce, path, opts);
  }
}

async function createAncestors<R>(
  createOnce: CreateOnce<R>,
  path: string,
  opts: CreateOptions,
): Promise<void> {
  const parent: CreateOptions = { acl: opts.acl, timeoutMs: opts.timeoutMs, signal: opts.signal };
  const results = await Promise.allSettled(ancestorsOf(path).map((p) => createOnce(p, parent)));
  let anyPresent = false;
  for (const result of results) {
    if (result.status === 'fulfilled' || result.reason instanceof NodeExistsError) {
      anyPresent = true;
      continue;
    }
    // NoNode below an ancestor that existed: a concurrent delete; the caller's next round
    // starts over. NoNode at the top (a missing chroot) or any other error is final.
    if (result.reason instanceof NoNodeError && anyPresent) return;
    throw result.reason;
  }
}

/** '/a/b/c' → ['/a', '/a/b']. */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
    out.push(path.slice(0, i));
  }
  return out;
}

function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** Deletes `path` and everything below it; resolves with the number of nodes it deleted. */
export async function deleteSubtree(
  client: SubtreeClient,
  path: string,
  opts: DeleteRecursiveOptions,
  round = 1,
): Promise<number> {
  if (path === '/') throw new TypeError("deleteRecursive: refusing to delete '/'");
  const nodesMax = opts.nodesMax ?? deleteRecursiveNodesMax;
  const paths = await listSubtree(client, path, opts, nodesMax, round > 1);
  let deleted = 0;
  const retry: string[] = [];
  for (const batch of batches(paths.reverse())) {
    deleted += await deleteBatch(client, batch, opts, retry);
  }
  for (const stale of retry) {
    if (round >= DELETE_ROUNDS_MAX) {
      throw new NotEmptyError(
        Err.notEmpty,
        `deleteRecursive ${path}: ${stale} kept gaining children over ${round} rounds; ` +
          'stop the clients that create under it, then delete again',
        stale,
        'deleteRecursive',
      );
    }
    deleted += await deleteSubtree(client, stale, opts, round + 1);
  }
  return deleted;
}

/** Breadth first, the root first; a node deleted meanwhile has no children. */
async function listSubtree(
  client: SubtreeClient,
  root: string,
  opts: CallOptions,
  nodesMax: number,
  deletedBefore: boolean,
): Promise<string[]> {
  const out = [root];
  const call: CallOptions = { timeoutMs: opts.timeoutMs, signal: opts.signal, retry: opts.retry };
  let level = [root];
  while (level.length > 0) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += LIST_CONCURRENCY) {
      const chunk = level.slice(i, i + LIST_CONCURRENCY);
      const lists = await Promise.all(
        chunk.map((p) => client.getChildren(p, call).catch(emptyIfGone)),
      );
      chunk.forEach((parent, j) => {
        for (const name of lists[j] ?? []) next.push(childPath(parent, name));
      });
      if (out.length + next.length > nodesMax) {
        throw new SubtreeTooLargeError(root, nodesMax, deletedBefore);
      }
    }
    out.push(...next);
    level = next;
  }
  return out;
}

function emptyIfGone(error: unknown): string[] {
  if (error instanceof NoNodeError) return [];
  throw error;
}

function* batches(paths: readonly string[]): Generator<string[]> {
  let batch: string[] = [];
  let bytes = 0;
  for (const path of paths) {
    const size = Buffer.byteLength(path) + 8;
    if (batch.length >= BATCH_OPS_MAX || (bytes > 0 && bytes + size > BATCH_PATH_BYTES_MAX)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(path);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

/** One multi; if it fails, each delete alone. Paths that gained children go to `retry`. */
async function deleteBatch(
  client: SubtreeClient,
  batch: readonly string[],
  opts: CallOptions,
  retry: string[],
): Promise<number> {
  const call: CallOptions = { timeoutMs: opts.timeoutMs, signal: opts.signal };
  const tx = client.transaction();
  for (const path of batch) tx.delete(path);
  try {
    await tx.commit(call);
    return batch.length;
  } catch (error) {
    // TransactionError carries the first failing code: only these two are other clients'.
    const code = error instanceof ZooKeeperError ? error.code : 0;
    if (code !== Err.noNode && code !== Err.notEmpty) throw error;
  }
  // Sent together: the connection keeps their order, children before their parents.
  const results = await Promise.allSettled(batch.map((p) => client.delete(p, call)));
  let deleted = 0;
  for (const [i, result] of results.entries()) {
    if (result.status === 'fulfilled') deleted++;
    else if (result.reason instanceof NotEmptyError) retry.push(batch[i] as string);
    else if (!(result.reason instanceof NoNodeError)) throw result.reason;
  }
  return deleted;
}
