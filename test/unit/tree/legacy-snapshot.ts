/**
 * Snapshot records in the formats before 3 (Warren 0.1.0's format 1, and format 2), which
 * wrote every field of every node in full: what older data directories hold, written here so
 * tests can check they still load.
 */
import { JuteWriter } from '../../../src/protocol/jute-writer.js';
import { writeACLs } from '../../../src/protocol/records.js';
import type { DataTree } from '../../../src/tree/data-tree.js';

/** The records of `tree` in format 1 (no digest in the header) or 2. */
export function legacySnapshotRecords(tree: DataTree, format: 1 | 2): Buffer[] {
  const header = new JuteWriter(64).writeByte(1).writeByte(format).writeLong(tree.lastZxid);
  if (format === 2) header.writeLong(tree.digest);
  const sessions = new JuteWriter(256).writeByte(2).writeInt(tree.sessions.size);
  for (const [id, s] of tree.sessions) {
    sessions.writeBigLong(id).writeInt(s.timeoutMs).writeBuffer(s.passwd);
  }
  const nodes = new JuteWriter(4096).writeByte(3).writeInt(tree.nodeCount);
  for (const [path, n] of tree.entries()) {
    nodes.writeString(path).writeBinaryString(n.data);
    writeACLs(nodes, n.acl);
    nodes.writeLong(n.czxid).writeLong(n.mzxid).writeLong(n.pzxid);
    nodes.writeLong(n.ctime).writeLong(n.mtime);
    nodes.writeInt(n.version).writeInt(n.aversion).writeInt(n.creations).writeByte(n.kind);
    nodes.writeBigLong(n.ephemeralOwner).writeLong(n.ttlMs);
  }
  return [header.toBuffer(), sessions.toBuffer(), nodes.toBuffer()];
}
