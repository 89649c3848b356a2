/**
 * ZooKeeper encodes a node's type in its stat's ephemeralOwner (EphemeralType): 0 persistent,
 * Long.MIN_VALUE a container, 0xFF in the top byte (with extendedTypesEnabled) a TTL node
 * whose low 40 bits are the TTL, anything else the owning session. Warren keeps a kind and a
 * TTL instead; these map one to the other.
 */
import type { SessionId } from '../protocol/records.js';
import { NodeKind } from '../tree/node.js';

const containerOwner = -(2n ** 63n);
const extendedMask = 0xff00000000000000n;
const reservedMask = 0x00ffff0000000000n;
const ttlValueMask = 0x000000ffffffffffn;

export interface NodeType {
  kind: NodeKind;
  ephemeralOwner: SessionId;
  ttlMs: number;
}

const persistent: NodeType = { kind: NodeKind.persistent, ephemeralOwner: 0n, ttlMs: 0 };
const container: NodeType = { kind: NodeKind.container, ephemeralOwner: 0n, ttlMs: 0 };

/** The type a stored ephemeralOwner means; null for an extended type ZooKeeper does not define. */
export function nodeTypeOf(owner: bigint): NodeType | null {
  if (owner === 0n) return persistent;
  if (owner === containerOwner) return container;
  if ((BigInt.asUintN(64, owner) & extendedMask) === extendedMask) {
    // Only the TTL feature (reserved bits 0) exists.
    if ((owner & reservedMask) !== 0n) return null;
    return { kind: NodeKind.ttl, ephemeralOwner: 0n, ttlMs: Number(owner & ttlValueMask) };
  }
  return { kind: NodeKind.ephemeral, ephemeralOwner: owner, ttlMs: 0 };
}

/** The ephemeralOwner ZooKeeper stores for a node of this type (its digest covers it). */
export function storedOwner(kind: NodeKind, ephemeralOwner: SessionId, ttlMs: number): bigint {
  if (kind === NodeKind.container) return containerOwner;
  if (kind === NodeKind.ttl) return BigInt.asIntN(64, extendedMask | BigInt(ttlMs));
  return ephemeralOwner;
}
