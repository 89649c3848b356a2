/**
 * Applies ZooKeeper txns to the imported tree the way ZooKeeper replays its log on start
 * (DataTree.processTxn during restore). ZooKeeper's snapshots are fuzzy: taken while writes
 * went on, they may already hold some changes of the txns after their zxid. So, as there, a
 * create of an existing node or a change to a missing one is skipped (a create of an
 * existing node still sets its ACL and, for `create`, its parent's cversion), and a parent's
 * cversion and pzxid only move forward. Stat fields are set directly, as ZooKeeper's replay
 * sets them; the caller recomputes Warren's tree digest once at the end.
 */
import { internACL } from '../tree/acl-cache.js';
import { newNode, type DataTree, type ZNode } from '../tree/data-tree.js';
import { NodeKind } from '../tree/node.js';
import { CONFIG_PATH, parentOf } from '../tree/path.js';
import { ImportError } from './import-error.js';
import type { ZkCreate, ZkOp, ZkTxn } from './zk-txn.js';
import { zooKeeperSessionPassword } from './zk-session-password.js';

export function replayZkTxn(tree: DataTree, txn: ZkTxn): void {
  applyOp(tree, txn, txn.op);
  tree.lastZxid = txn.zxid;
}

function applyOp(tree: DataTree, txn: ZkTxn, op: ZkOp): void {
  switch (op.type) {
    case 'create':
      return create(tree, txn, op);
    case 'delete':
      return remove(tree, op.path, txn.zxid);
    case 'setData': {
      if (op.path === CONFIG_PATH) return;
      const node = tree.get(op.path);
      if (node !== undefined) tree.setData(op.path, op.data, op.version, txn.zxid, txn.time);
      return;
    }
    case 'setACL':
      if (tree.get(op.path) !== undefined) tree.setACL(op.path, internACL(op.acl), op.version);
      return;
    case 'createSession':
      tree.sessions.set(txn.sessionId, {
        timeoutMs: op.timeoutMs,
        passwd: zooKeeperSessionPassword(txn.sessionId),
      });
      return;
    case 'closeSession':
      return closeSession(tree, txn, op.paths);
    case 'multi':
      // A multi with a failed part changed nothing (its parts are all errors then).
      if (op.ops.some((part) => part.type === 'error')) return;
      for (const part of op.ops) applyOp(tree, txn, part);
      return;
    case 'reconfig':
    case 'noop':
    case 'error':
      return;
  }
}

function create(tree: DataTree, txn: ZkTxn, op: ZkCreate): void {
  const parentPath = parentOf(op.path);
  const parent = tree.get(parentPath);
  if (parent === undefined || op.path === '/') return;
  const acl = internACL(op.acl);
  const existing = tree.get(op.path);
  if (existing !== undefined) {
    existing.acl = acl;
    if (op.plainCreate) raiseCversion(parent, op.parentCVersion, txn.zxid);
    return;
  }
  if (parent.kind === NodeKind.ephemeral) {
    throw new ImportError(`txn 0x${txn.zxid.toString(16)} creates ${op.path} under an ephemeral`);
  }
  const { creations, pzxid } = parent;
  const owner = op.kind === NodeKind.ephemeral ? txn.sessionId : 0n;
  const node = newNode(op.data, acl, txn.zxid, txn.time, op.kind, owner, op.ttlMs);
  tree.createNode(op.path, node, txn.zxid);
  // Warren's createNode counts one more creation; ZooKeeper's txn says what the count is.
  parent.creations = creations;
  parent.pzxid = pzxid;
  raiseCversion(parent, op.parentCVersion, txn.zxid);
}

function raiseCversion(parent: ZNode, cversion: number, zxid: number): void {
  const target = cversion === -1 ? parent.creations + 1 : cversion;
  if (target > parent.creations) {
    parent.creations = target;
    parent.pzxid = zxid;
  }
}

/** ZooKeeper's deleteNode: the parent's pzxid moves even when the child is already gone. */
export function remove(tree: DataTree, path: string, zxid: number): void {
  if (path === '/') return;
  const parentPath = parentOf(path);
  const parent = tree.get(parentPath);
  if (parent === undefined) return;
  const node = tree.get(path);
  if (node === undefined) {
    if (zxid > parent.pzxid) parent.pzxid = zxid;
    return;
  }
  // Only a fuzzy snapshot can show children here (created after this delete, under a node
  // created again later): they are created again by the txns that follow.
  for (const name of [...node.childNames()]) remove(tree, `${path}/${name}`, zxid);
  tree.deleteNode(path, zxid);
}

function closeSession(tree: DataTree, txn: ZkTxn, listed: string[] | null): void {
  for (const path of listed ?? []) remove(tree, path, txn.zxid);
  for (const path of [...(tree.ephemerals.get(txn.sessionId) ?? [])]) {
    remove(tree, path, txn.zxid);
  }
  tree.sessions.delete(txn.sessionId);
}
