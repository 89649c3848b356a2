/**
 * What ZooKeeper does to a loaded tree before serving, and what Warren needs of it:
 * ephemerals of sessions that no longer exist are deleted (ZooKeeperServer.loadData), and
 * /zookeeper/config is emptied: it described ZooKeeper's ensemble, and Warren writes its own
 * from zoo.cfg when it first leads (an old one would be taken for Warren's membership).
 */
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE } from '../tree/acl.js';
import { newNode, type DataTree } from '../tree/data-tree.js';
import { NodeKind } from '../tree/node.js';
import { CONFIG_PATH, QUOTA_PATH, ZOOKEEPER_PATH } from '../tree/path.js';
import { remove } from './zk-replay.js';

/** Deletes ephemerals whose session is gone; returns how many. */
export function dropOrphanEphemerals(tree: DataTree): number {
  let dropped = 0;
  for (const [owner, paths] of [...tree.ephemerals]) {
    if (tree.sessions.has(owner)) continue;
    for (const path of [...paths].sort()) {
      remove(tree, path, tree.lastZxid);
      dropped++;
    }
  }
  return dropped;
}

/** Adds /zookeeper, its quota node and an empty config node where missing (3.4 has none). */
export function settleSystemNodes(tree: DataTree): void {
  for (const path of [ZOOKEEPER_PATH, QUOTA_PATH, CONFIG_PATH]) {
    const acl = path === CONFIG_PATH ? READ_ACL_UNSAFE : OPEN_ACL_UNSAFE;
    const existing = tree.get(path);
    if (existing !== undefined) {
      if (path === CONFIG_PATH && existing.data !== '') {
        tree.setData(path, '', existing.version, existing.mzxid, existing.mtime);
      }
      continue;
    }
    const node = newNode('', acl, 0, 0, NodeKind.persistent, 0n, 0);
    if (path === CONFIG_PATH) node.aversion = -1;
    const problem = tree.loadNode(path, node, false);
    if (problem !== null) throw new Error(`import: ${problem}`);
  }
}
