/**
 * Node helpers every recipe shares: retrying a step across connection losses, creating a
 * parent path, protected sequential creates (a `_c_<uuid>-` prefix, as Curator does, so a
 * create that may have succeeded before a connection loss is found again), sequence suffixes
 * compared as numbers, and waiting for a node to go.
 */
import { randomUUID } from 'node:crypto';
import {
  ConnectionLossError,
  NodeExistsError,
  NoNodeError,
  OperationTimeoutError,
  SessionExpiredError,
  type CreateMode,
  type Stat,
  type ZooKeeperClient,
} from '../client/index.js';
import { CONNECTION_LOSS_RETRIES_MAX } from './limits.js';
import { RecipeError } from './recipe-errors.js';
import { untilSignalled } from './signals.js';

/** True for failures after which the request may or may not have run. */
export function isConnectionLoss(error: unknown): boolean {
  return error instanceof ConnectionLossError || error instanceof OperationTimeoutError;
}

/** Runs an idempotent step, again after each connection loss (the client reconnects). */
export async function retrying<T>(step: () => Promise<T>, what: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!isConnectionLoss(error)) throw error;
      if (attempt >= CONNECTION_LOSS_RETRIES_MAX) {
        throw new RecipeError(
          'WARREN_RECIPE_RETRIES_EXHAUSTED',
          `${what}: lost the connection ${attempt} times in a row; check the servers`,
          { cause: error },
        );
      }
    }
  }
}

/** Creates every missing node of `path` (persistent, empty). */
export async function ensurePath(client: ZooKeeperClient, path: string): Promise<void> {
  const parts = path.split('/').filter((p) => p !== '');
  let prefix = '';
  for (const part of parts) {
    prefix += `/${part}`;
    const node = prefix;
    if ((await retrying(() => client.exists(node), `ensurePath ${node}`)) !== null) continue;
    await retrying(async () => {
      await client.create(node).catch((error: unknown) => {
        if (!(error instanceof NodeExistsError)) throw error;
      });
    }, `ensurePath ${node}`);
  }
}

/** Deletes a node; a node already gone, or gone with its expired session, is not an error. */
export async function deleteIfExists(
  client: ZooKeeperClient,
  path: string,
  version = -1,
): Promise<boolean> {
  return retrying(async () => {
    try {
      await client.delete(path, { version });
      return true;
    } catch (error) {
      if (error instanceof NoNodeError || error instanceof SessionExpiredError) return false;
      throw error;
    }
  }, `delete ${path}`);
}

/**
 * The sequence suffix ZooKeeper appended (ten digits, %010d), as a number. A parent's counter
 * wraps to negative after 2^31 creates; recipes assume fewer.
 */
export function sequenceOf(name: string): number {
  const match = /(\d{10})$/.exec(name);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}

/** The children holding `marker` (e.g. 'lock-'), ordered by sequence number. */
export function sortedBySequence(children: readonly string[], marker: string): string[] {
  return children
    .filter((c) => c.includes(marker) && !Number.isNaN(sequenceOf(c)))
    .sort((a, b) => sequenceOf(a) - sequenceOf(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export interface OwnNode {
  /** Full path. */
  path: string;
  /** Name under its parent. */
  name: string;
  stat: Stat;
}

/**
 * Creates `${dir}/_c_<uuid>-${name}` with a sequential mode. After a connection loss it lists
 * the parent and takes the child with its prefix, if the create did run, so no orphan is left.
 */
export async function createProtected(
  client: ZooKeeperClient,
  dir: string,
  name: string,
  opts: { mode: CreateMode; data?: Buffer | string | null },
): Promise<OwnNode> {
  const prefix = `_c_${randomUUID()}-`;
  for (let attempt = 1; ; attempt++) {
    try {
      const made = await client.create(`${dir}/${prefix}${name}`, { ...opts, withStat: true });
      return { ...made, name: made.path.slice(dir.length + 1) };
    } catch (error) {
      if (!isConnectionLoss(error)) throw error;
      if (attempt >= CONNECTION_LOSS_RETRIES_MAX) throw error;
    }
    const found = await findProtected(client, dir, prefix);
    if (found !== undefined) return found;
  }
}

async function findProtected(
  client: ZooKeeperClient,
  dir: string,
  prefix: string,
): Promise<OwnNode | undefined> {
  // sync first: a write sent on the lost connection may still be in flight on the server.
  await retrying(() => client.sync(dir), `sync ${dir}`);
  const children = await retrying(() => client.getChildren(dir), `getChildren ${dir}`);
  const name = children.find((c) => c.startsWith(prefix));
  if (name === undefined) return undefined;
  const path = `${dir}/${name}`;
  const stat = await retrying(() => client.exists(path), `exists ${path}`);
  return stat === null ? undefined : { path, name, stat };
}

/**
 * Resolves once `path` does not exist (watching it, not polling). Rejects with the signal's
 * reason when it aborts, and with WARREN_RECIPE_SESSION_LOST when the session ends.
 */
export async function waitUntilGone(
  client: ZooKeeperClient,
  path: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  let fire: () => void = () => undefined;
  const changed = new Promise<void>((resolve) => (fire = resolve));
  const stat = await retrying(() => client.exists(path, { watch: () => fire() }), `exists ${path}`);
  if (stat === null) return;
  await untilSignalled(client, changed, signal);
}

/** Throws unless `name` can be one node name (non-empty, no '/', not '.' or '..'). */
export function checkNodeName(name: string, what: string): void {
  if (name === '' || name.includes('/') || name === '.' || name === '..') {
    throw new RangeError(`${what} must be a node name without '/' (got ${JSON.stringify(name)})`);
  }
}
