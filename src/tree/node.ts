/**
 * One znode and the conversion to the wire Stat. Kept small: a tree of 1M nodes holds 1M of
 * these. The child-creation counter is stored (not the wire cversion): wire cversion is
 * 2·creations − numChildren, which counts creations plus deletions (protocol §9.3).
 */
import type { ACL, SessionId, Stat } from '../protocol/records.js';

export const NodeKind = {
  persistent: 0,
  ephemeral: 1,
  container: 2,
  ttl: 3,
} as const;
export type NodeKind = (typeof NodeKind)[keyof typeof NodeKind];

export interface ZNode {
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
  /** Child names; null while the node has never had children (saves memory). */
  children: Set<string> | null;
  /** Snapshot generation that already captured this node (see snapshot-writer). */
  snapshotGeneration: number;
  /** The path, data and ACL part of this node's digest share (digest.ts); -1: not known. */
  hash: number;
}

export function childCount(node: ZNode): number {
  return node.children === null ? 0 : node.children.size;
}

export function toStat(node: ZNode): Stat {
  const numChildren = childCount(node);
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
