/**
 * Pure planning: how a source node is created in the target, which paths are left alone,
 * and how far a parent's sequence counter must move.
 */
import type { ACL, CreateMode, Stat } from '../client/index.js';
import { typeFromOwner, type NodeType } from './node-type.js';

/** A node as read from one side. */
export interface NodeImage {
  path: string;
  data: Buffer | null;
  acl: ACL[];
  stat: Stat;
  /** Child names; empty when the node has none. */
  children: string[];
}

export type CreatePlan =
  | { action: 'create'; mode: CreateMode; ttlMs?: number; data: Buffer | null; acl: ACL[] }
  | { action: 'ephemeral'; owner: bigint };

/** ZooKeeper's own subtree: never copied, never touched in the target. */
export const SYSTEM_PATH = '/zookeeper';

export function isSystemPath(path: string): boolean {
  return path === SYSTEM_PATH || path.startsWith(`${SYSTEM_PATH}/`);
}

export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

export function depthOf(path: string): number {
  if (path === '/') return 0;
  let depth = 0;
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 47) depth++;
  return depth;
}

/**
 * Whether an ACL came back with its digest hashes masked (`user:x`), as ZooKeeper answers
 * getACL to an identity without ADMIN on the node: copied, such an entry would match nobody.
 * A real digest id is `user:` and a 28-character base64 SHA-1.
 */
export function hasMaskedDigest(acl: readonly ACL[]): boolean {
  return acl.some((entry) => entry.id.scheme === 'digest' && entry.id.id.endsWith(':x'));
}

/**
 * The type of a source node: an ephemeral shows in its Stat; containers and TTL nodes only in
 * `known` (read from ZooKeeper's data directory) or in a Stat from a server that shows them.
 */
export function sourceType(stat: Stat, known: NodeType | undefined): NodeType {
  const shown = typeFromOwner(stat.ephemeralOwner);
  if (shown.kind !== 'persistent') return shown;
  return known ?? shown;
}

/**
 * How to create a source node. A sequential node's name already carries its number, so it is
 * created as a plain node under that name (persistent, or TTL for a TTL-sequential one).
 */
export function planCreate(node: NodeImage, type: NodeType): CreatePlan {
  const base = { data: node.data, acl: node.acl };
  switch (type.kind) {
    case 'ephemeral':
      return { action: 'ephemeral', owner: type.owner };
    case 'container':
      return { action: 'create', mode: 'container', ...base };
    case 'ttl':
      return { action: 'create', mode: 'persistentWithTtl', ttlMs: type.ttlMs, ...base };
    case 'persistent':
      return { action: 'create', mode: 'persistent', ...base };
  }
}

/**
 * The next sequential suffix a node hands out: its child creations so far (ZooKeeper's
 * stored cversion). The wire cversion counts creations plus deletions (2·creations −
 * numChildren), so creations = (cversion + numChildren) / 2. cversion is an int32 on the
 * wire; a negative one (wrapped) is read as unsigned.
 */
export function sequenceCounter(stat: Stat): number {
  const cversion = stat.cversion < 0 ? stat.cversion + 2 ** 32 : stat.cversion;
  return Math.floor((cversion + stat.numChildren) / 2);
}

/**
 * Child creations the target must add so that its next sequential suffix is not below the
 * source's once the source children it lacks are created (each of those adds one).
 */
export function counterGap(source: Stat, target: Stat, missingChildren: number): number {
  return Math.max(0, sequenceCounter(source) - sequenceCounter(target) - missingChildren);
}
