/**
 * The tree operations the dashboard offers, each run by the logged-in user's own client
 * session (dashboard-login.ts): list children a page at a time, read a node (data, Stat,
 * ACL), create, set data and delete with the version the user last saw, so that a node
 * changed meanwhile answers BadVersion instead of being overwritten.
 */
import { Acls, type ACL, type Stat, type ZooKeeperClient } from '../client/index.js';
import { dashboardPageMax } from './dashboard-limits.js';
import { HttpError, field, stringField } from './http-io.js';

/** Stat with the session id as hex (JSON has no 64-bit integers). */
export function statJson(stat: Stat): Record<string, number | string> {
  return { ...stat, ephemeralOwner: `0x${stat.ephemeralOwner.toString(16)}` };
}

function path(value: string | null | undefined): string {
  if (value === null || value === undefined || !value.startsWith('/')) {
    throw new HttpError(400, 'path must start with /');
  }
  return value;
}

function count(value: string | null, fallback: number, max: number): number {
  if (value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new HttpError(400, `expected an integer in 0..${max}, got ${value}`);
  }
  return n;
}

export async function listChildren(client: ZooKeeperClient, query: URLSearchParams) {
  const at = path(query.get('path'));
  const offset = count(query.get('offset'), 0, Number.MAX_SAFE_INTEGER);
  const limit = count(query.get('limit'), 100, dashboardPageMax);
  const { children, stat } = await client.getChildren(at, { withStat: true });
  children.sort();
  return {
    path: at,
    total: children.length,
    offset,
    limit,
    children: children.slice(offset, offset + limit),
    stat: statJson(stat),
  };
}

export async function readNode(client: ZooKeeperClient, query: URLSearchParams) {
  const at = path(query.get('path'));
  const { data, stat } = await client.getData(at);
  // Reading the ACL needs READ or ADMIN; a user who may read data may see it.
  const acl = await client.getACL(at).then(
    (result) => result.acl,
    () => null,
  );
  return { path: at, data: data?.toString('base64') ?? null, stat: statJson(stat), acl };
}

const ACL_CHOICES: Readonly<Record<string, readonly ACL[]>> = {
  open: Acls.openUnsafe,
  creator: Acls.creatorAll,
  read: Acls.readUnsafe,
};

function data(body: unknown): Buffer {
  const encoded = field(body, 'data', 'string');
  if (encoded === undefined) return Buffer.alloc(0);
  return Buffer.from(encoded as string, 'base64');
}

function version(body: unknown): number {
  const value = field(body, 'version', 'number');
  if (!Number.isInteger(value)) {
    throw new HttpError(400, 'version is needed (the version you last read; -1 for any)');
  }
  return value as number;
}

export async function createNode(client: ZooKeeperClient, body: unknown) {
  const at = path(stringField(body, 'path'));
  const choice = (field(body, 'acl', 'string') ?? 'open') as string;
  const acl = ACL_CHOICES[choice];
  if (acl === undefined) throw new HttpError(400, 'acl must be open, creator or read');
  // Persistent only: an ephemeral node would go with the dashboard's session at logout.
  const created = await client.create(at, { data: data(body), acl, withStat: true });
  return { path: created.path, stat: statJson(created.stat) };
}

export async function setNodeData(client: ZooKeeperClient, body: unknown) {
  const at = path(stringField(body, 'path'));
  const stat = await client.setData(at, data(body), { version: version(body) });
  return { path: at, stat: statJson(stat) };
}

export async function deleteNode(client: ZooKeeperClient, body: unknown) {
  const at = path(stringField(body, 'path'));
  await client.delete(at, { version: version(body) });
  return { path: at, deleted: true };
}
