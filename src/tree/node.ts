/**
 * A znode's fields and the conversion to the wire Stat. The tree stores them by column
 * (node-store.ts); NodeFields is the detached form: a node about to be created, loaded from a
 * snapshot, or copied aside by a snapshot in progress. The child-creation counter is stored
 * (not the wire cversion): wire cversion is 2·creations − numChildren, which counts creations
 * plus deletions (protocol §9.3).
 */
import type { ACL, SessionId, Stat } from '../protocol/records.js';

export const NodeKind = {
  persistent: 0,
  ephemeral: 1,
  container: 2,
  ttl: 3,
} as const;
export type NodeKind = (typeof NodeKind)[keyof typeof NodeKind];

export interface NodeFields {
  /** The bytes as a latin1 string (one char per byte): far cheaper to hold than a Buffer. */
  data: string | null;
  acl: readonly ACL[];
  czxid: number;
  mzxid: number;
  pzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  aversion: number;
  /** Child creations ever (ZooKeeper's stored cversion); the sequential counter. */
  creations: number;
  kind: NodeKind;
  /** Owning session for ephemerals, else 0n. */
  ephemeralOwner: SessionId;
  /** TTL in ms for TTL nodes, else 0. */
  ttlMs: number;
}

/** A copy of a node's fields, detached from the tree. */
export function copyFields(n: NodeFields): NodeFields {
  return {
    data: n.data,
    acl: n.acl,
    czxid: n.czxid,
    mzxid: n.mzxid,
    pzxid: n.pzxid,
    ctime: n.ctime,
    mtime: n.mtime,
    version: n.version,
    aversion: n.aversion,
    creations: n.creations,
    kind: n.kind,
    ephemeralOwner: n.ephemeralOwner,
    ttlMs: n.ttlMs,
  };
}

export function toStat(node: NodeFields & { readonly numChildren: number }): Stat {
  const numChildren = node.numChildren;
  return {
    czxid: node.czxid,
    mzxid: node.mzxid,
    ctime: node.ctime,
    mtime: node.mtime,
    version: node.version,
    cversion: (node.creations * 2 - numChildren) | 0,
    aversion: node.aversion,
    ephemeralOwner: node.ephemeralOwner,
    dataLength: node.data === null ? 0 : node.data.length,
    numChildren,
    pzxid: node.pzxid,
  };
}
