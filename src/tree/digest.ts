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
import type { NodeFields } from './node.js';

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

/**
 * The part of a node's hash that only its path, data and ACL decide (two native checksum
 * calls): a node keeps it (its hash column, a small integer) until its data or ACL changes, so
 * the frequent changes of stat fields alone (a parent's pzxid and cversion on every child
 * created or deleted) cost only the arithmetic of `nodeHash`.
 */
export function baseHash(path: string, node: NodeFields): number {
  let h = stringHash(path, 0x9747b28c);
  if (node.data !== null) h = stringHash(node.data, h ^ 0x5bd1e995);
  return mix(h, aclHash(node.acl)) & 0x7fffffff;
}

/** Strings up to this long are hashed in JavaScript; longer ones by the native CRC32C. */
const nativeFrom = 256;

/**
 * A 32-bit hash of a string's char codes (data is held one char per byte). Short strings,
 * the common case, hash faster here than through a native call that must copy them.
 */
function stringHash(text: string, seed: number): number {
  if (text.length >= nativeFrom) return crc32c(text, seed >>> 0);
  let h = seed | 0;
  let i = 0;
  for (; i + 1 < text.length; i += 2) {
    let k = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    k = Math.imul(k, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
  }
  if (i < text.length) h ^= Math.imul(text.charCodeAt(i), 0xcc9e2d51);
  return mix(h, text.length);
}

/** One znode's share of the digest, from every field a replica must agree on. */
export function nodeHash(base: number, node: NodeFields): number {
  let h = mix(base, node.czxid);
  h = mix(h, node.mzxid);
  h = mix(h, node.pzxid);
  h = mix(h, node.ctime);
  h = mix(h, node.mtime);
  h = mix(h, node.version);
  h = mix(h, node.aversion);
  h = mix(h, node.creations);
  h = mix(h, node.kind + (node.data === null ? 8 : 0) + node.ttlMs * 16);
  const owner = node.ephemeralOwner;
  // BigInt arithmetic allocates: only ephemerals (a minority) pay for it.
  if (owner !== 0n) h = mix(mix(h, Number(owner & 0xffffffffn)), Number(owner >> 32n));
  return h & 0x7fffffff;
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
