/**
 * ACL interning: most znodes share one of a handful of ACLs, so each node points at one
 * shared frozen list instead of owning a copy (a large share of per-node memory otherwise).
 * The cache is capped; past the cap a list is simply not shared.
 */
import type { ACL } from '../protocol/records.js';
import { aclCacheEntriesMax } from '../util/limits.js';

const cache = new Map<string, readonly ACL[]>();

function keyOf(acl: readonly ACL[]): string {
  let key = '';
  for (const e of acl) key += `${e.perms}\u0000${e.id.scheme}\u0000${e.id.id}\u0001`;
  return key;
}

export function internACL(acl: readonly ACL[]): readonly ACL[] {
  const key = keyOf(acl);
  const shared = cache.get(key);
  if (shared !== undefined) return shared;
  const frozen = Object.freeze(
    acl.map((e) => Object.freeze({ perms: e.perms, id: Object.freeze({ ...e.id }) })),
  );
  if (cache.size < aclCacheEntriesMax) cache.set(key, frozen);
  return frozen;
}
