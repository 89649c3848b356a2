/**
 * A node's type from an ephemeralOwner, by ZooKeeper 3.9's EphemeralType (extended types
 * enabled): 0 persistent, Long.MIN_VALUE a container, 0xFF in the top byte with feature bits
 * 0 a TTL node whose low 40 bits are the TTL in ms, anything else a session's ephemeral.
 *
 * ZooKeeper stores this encoding but hides it from clients (DataNode.copyStat reports 0 for
 * containers and TTL nodes), so over the protocol only "ephemeral or not" shows; the stored
 * owners come from ZooKeeper's data directory (source-types.ts).
 */
export type NodeType =
  | { kind: 'persistent' }
  | { kind: 'ephemeral'; owner: bigint }
  | { kind: 'container' }
  | { kind: 'ttl'; ttlMs: number };

const containerOwner = -(2n ** 63n);
const extendedMask = 0xff00000000000000n;
const featureMask = 0x00ffff0000000000n;
const ttlValueMask = 0x000000ffffffffffn;

export const PERSISTENT: NodeType = { kind: 'persistent' };
export const CONTAINER: NodeType = { kind: 'container' };

/** The type an ephemeralOwner (signed or unsigned 64-bit) stands for. */
export function typeFromOwner(owner: bigint): NodeType {
  const signed = BigInt.asIntN(64, owner);
  if (signed === 0n) return PERSISTENT;
  if (signed === containerOwner) return CONTAINER;
  const bits = BigInt.asUintN(64, owner);
  // Feature bits other than 0 (TTL) are no type ZooKeeper defines: it refuses them; a
  // session id of server 255 (possible only without extended types) reads so too.
  if ((bits & extendedMask) === extendedMask && (bits & featureMask) === 0n) {
    const ttlMs = Number(bits & ttlValueMask);
    if (ttlMs > 0) return { kind: 'ttl', ttlMs };
  }
  return { kind: 'ephemeral', owner: signed };
}

/** The owner ZooKeeper stores for a type (the inverse of typeFromOwner). */
export function ownerOfType(type: NodeType): bigint {
  switch (type.kind) {
    case 'persistent':
      return 0n;
    case 'container':
      return containerOwner;
    case 'ttl':
      return BigInt.asIntN(64, extendedMask | BigInt(type.ttlMs));
    case 'ephemeral':
      return type.owner;
  }
}

/** The largest TTL the encoding holds (40 bits of ms, about 34 years). */
export const TTL_MS_MAX = Number(ttlValueMask);

export function sameType(a: NodeType, b: NodeType): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'ttl' && b.kind === 'ttl') return a.ttlMs === b.ttlMs;
  return true;
}

export function describeType(type: NodeType): string {
  if (type.kind === 'ttl') return `ttl(${type.ttlMs} ms)`;
  if (type.kind === 'ephemeral')
    return `ephemeral(0x${BigInt.asUintN(64, type.owner).toString(16)})`;
  return type.kind;
}
