/**
 * The tree digest (ZooKeeper 3.6+ and ClickHouse Keeper keep one too): a sum, modulo 2^48, of
 * one hash per znode over every replicated field (path, data, ACL, zxids, times, versions,
 * kind, owner, TTL) and one per session. A sum changes by a constant-time amount when one
 * node changes, so the tree keeps it up to date on every mutation; two replicas at the same
 * index have equal digests unless their states differ. Entries carry digests that every
 * member checks when it applies them (replication/digest-check.ts).
 */
import { crc32c } from '@node-rs/crc32';
import type { ACL, SessionId } from '../protocol/records.js';
import type { ZNode } from './node.js';

const modulus = 2 ** 48;

/** Hashes of ACL lists, by identity (lists are interned, so there are few). */
const aclHashes = new WeakMap<readonly ACL[], number>();

function aclHash(acl: readonly ACL[]): number {
  let hash = aclHashes.get(acl);
  if (hash !== undefined) return hash;
  let text = '';
  for (const e of acl) text += `${e.perms}\u0000${e.id.scheme}\u0000${e.id.id}\u0001`;
  hash = crc32c(text);
  aclHashes.set(acl, hash);
  return hash;
}

/** Mixes a 53-bit integer into a 32-bit hash (murmur3's finaliser steps). */
function mix(hash: number, value: number): number {
  let h = hash ^ (value >>> 0);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h ^= Math.floor(value / 2 ** 32) | 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** One znode's share of the digest: 48 bits from every field a replica must agree on. */
export function nodeHash(path: string, node: ZNode): number {
  let h = crc32c(path);
  if (node.data !== null) h = crc32c(node.data, h ^ 0x5bd1e995);
  h = mix(h, aclHash(node.acl));
  h = mix(h, node.czxid);
  h = mix(h, node.mzxid);
  h = mix(h, node.pzxid);
  h = mix(h, node.ctime);
  h = mix(h, node.mtime);
  h = mix(h, node.version);
  h = mix(h, node.aversion);
  h = mix(h, node.creations);
  h = mix(h, node.kind + (node.data === null ? 8 : 0));
  h = mix(h, Number(node.ephemeralOwner & 0xffffffffn));
  h = mix(h, Number(node.ephemeralOwner >> 32n));
  const low = mix(h, node.ttlMs);
  return low + (mix(low, h) & 0xffff) * 2 ** 32;
}

export function sessionHash(id: SessionId, timeoutMs: number): number {
  const low = mix(mix(Number(id & 0xffffffffn), Number(id >> 32n)), timeoutMs);
  return low + (mix(low, 0x27d4eb2f) & 0xffff) * 2 ** 32;
}

export function addHash(digest: number, hash: number): number {
  return (digest + hash) % modulus;
}

export function removeHash(digest: number, hash: number): number {
  return (digest - hash + modulus) % modulus;
}
