/**
 * ZooKeeper's tree digest (3.6+, DigestCalculator version 2), computed over the imported
 * tree to check it against the digest ZooKeeper recorded: the sum modulo 2^64 of one CRC-32
 * per node over its path ("" for the root), data and stored stat (czxid, mzxid, pzxid, ctime,
 * mtime, version, cversion, aversion, ephemeralOwner), skipping everything under /zookeeper/.
 */
import { crc32 } from '@node-rs/crc32';
import type { DataTree } from '../tree/data-tree.js';
import type { NodeFields } from '../tree/node.js';
import { storedOwner } from './zk-node-kind.js';

export const zkDigestVersion = 2;

const statBytes = 60;
const flushEvery = 1_000_000;

const shared = Buffer.alloc(statBytes);

/** One node's share of ZooKeeper's digest; 0 for the nodes under /zookeeper/ it skips. */
export function zkNodeDigest(path: string, node: NodeFields): number {
  return path.startsWith('/zookeeper/') ? 0 : nodeDigest(path, node, shared);
}

function nodeDigest(path: string, node: NodeFields, stat: Buffer): number {
  stat.writeBigInt64BE(BigInt(node.czxid), 0);
  stat.writeBigInt64BE(BigInt(node.mzxid), 8);
  stat.writeBigInt64BE(BigInt(node.pzxid), 16);
  stat.writeBigInt64BE(BigInt(node.ctime), 24);
  stat.writeBigInt64BE(BigInt(node.mtime), 32);
  stat.writeInt32BE(node.version, 40);
  stat.writeInt32BE(node.creations, 44);
  stat.writeInt32BE(node.aversion, 48);
  stat.writeBigInt64BE(storedOwner(node.kind, node.ephemeralOwner, node.ttlMs), 52);
  let crc = crc32(Buffer.from(path === '/' ? '' : path, 'utf8'));
  if (node.data !== null) crc = crc32(Buffer.from(node.data, 'latin1'), crc);
  return crc32(stat, crc);
}

/** The digest ZooKeeper would hold for this tree, as an unsigned 64-bit value. */
export function zooKeeperDigest(tree: DataTree): bigint {
  const stat = Buffer.alloc(statBytes);
  let total = 0n;
  let partial = 0;
  let count = 0;
  for (const [path, node] of tree.entries()) {
    if (path.startsWith('/zookeeper/')) continue;
    partial += nodeDigest(path, node, stat);
    // A sum of a million 32-bit values stays exact in a double.
    if (++count % flushEvery === 0) {
      total += BigInt(partial);
      partial = 0;
    }
  }
  return BigInt.asUintN(64, total + BigInt(partial));
}
