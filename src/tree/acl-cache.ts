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

/** The list interned last: most nodes of a workload share one ACL, so check it first. */
let last: readonly ACL[] | null = null;

function sameACL(a: readonly ACL[], b: readonly ACL[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as ACL;
    const y = b[i] as ACL;
    if (x.perms !== y.perms || x.id.scheme !== y.id.scheme || x.id.id !== y.id.id) return false;
  }
  return true;
}

export function internACL(acl: readonly ACL[]): readonly ACL[] {
  if (last !== null && (acl === last || sameACL(acl, last))) return last;
  const key = keyOf(acl);
  const shared = cache.get(key);
  if (shared !== undefined) return (last = shared);
  const frozen = Object.freeze(
    acl.map((e) => Object.freeze({ perms: e.perms, id: Object.freeze({ ...e.id }) })),
  );
  if (cache.size < aclCacheEntriesMax) {
    cache.set(key, frozen);
    last = frozen;
  }
  return frozen;
}
