/**
 * A digest of everything replicated in a DataTree: every znode (path, data, ACL, zxids, times,
 * versions, child-creation counter, children, kind, owner, TTL), the sessions and the last
 * zxid, plus the derived indexes. Two servers at the same applied index must produce the same
 * string. The trees in the simulation are small, so the digest is the plain text itself
 * (readable in a failure).
 */
import type { DataTree } from '../../../src/tree/data-tree.js';

export function treeDigest(tree: DataTree): string {
  const parts: string[] = [`zxid=${tree.lastZxid}`];
  const paths = Array.from(tree.entries(), ([path]) => path).sort();
  for (const path of paths) {
    const n = tree.mustGet(path);
    const children = [...n.childNames()].sort().join(',');
    const acl = n.acl.map((a) => `${a.perms}:${a.id.scheme}:${a.id.id}`).join(',');
    parts.push(
      `${path} d=${JSON.stringify(n.data)} acl=${acl} c=${n.czxid} m=${n.mzxid} p=${n.pzxid}` +
        ` ct=${n.ctime} mt=${n.mtime} v=${n.version} av=${n.aversion} cr=${n.creations}` +
        ` k=${n.kind} o=${n.ephemeralOwner} ttl=${n.ttlMs} ch=[${children}]`,
    );
  }
  const sessions = [...tree.sessions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [id, s] of sessions) {
    parts.push(`session ${id} t=${s.timeoutMs} pw=${s.passwd.toString('hex')}`);
  }
  // Derived indexes too: a tree loaded from a snapshot must rebuild them identically.
  const owners = [...tree.ephemerals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [id, paths] of owners) parts.push(`ephemerals ${id} ${[...paths].sort().join(',')}`);
  parts.push(`reapable ${[...tree.reapable].sort().join(',')} bytes=${tree.dataBytes}`);
  return parts.join('\n');
}
