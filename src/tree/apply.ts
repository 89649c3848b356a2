/**
 * apply(txn): the only way the tree changes. Deterministic: the same txns in the same order
 * give the same tree on every server and on every replay. It returns what each op did (for the
 * reply) and the change events in the order watches must fire (protocol §8.2).
 * A txn that does not fit the tree is a bug in prepare (or a corrupt log): it is asserted.
 */
import { assert, fail, unreachable } from '../util/assert.js';
import { EventType } from '../protocol/opcodes.js';
import type { ACL, Stat } from '../protocol/records.js';
import { DataTree, newNode } from './data-tree.js';
import { internACL } from './acl-cache.js';
import { toStat } from './node.js';
import { parentOf } from './path.js';
import type { Txn, TxnOp } from './txn.js';

export interface ChangeEvent {
  type: EventType;
  path: string;
  /** The ACL that decides whether a watcher may see this event (protocol §8.5). */
  acl: readonly ACL[];
}

export interface OpResult {
  path: string;
  /** Stat after the op (null for delete and check). */
  stat: Stat | null;
}

export interface ApplyResult {
  zxid: number;
  ops: OpResult[];
  events: ChangeEvent[];
}

export function applyTxn(tree: DataTree, txn: Txn): ApplyResult {
  if (txn.zxid <= tree.lastZxid) fail(`apply: zxid ${txn.zxid} not after ${tree.lastZxid}`);
  const result: ApplyResult = { zxid: txn.zxid, ops: [], events: [] };
  const body = txn.body;
  switch (body.type) {
    case 'ops':
      for (const op of body.ops) result.ops.push(applyOp(tree, txn, op, result.events));
      break;
    case 'error':
    case 'multiError':
      break;
    case 'createSession':
      assert(!tree.sessions.has(body.sessionId), 'apply: session id reused');
      tree.addSession(body.sessionId, { timeoutMs: body.timeoutMs, passwd: body.passwd });
      break;
    case 'closeSession':
      // The ephemerals are derived from the tree, not listed in the txn: the txn stays small
      // however many a session owns, and every replica derives the same sorted list.
      for (const path of [...(tree.ephemerals.get(body.sessionId) ?? [])].sort()) {
        deleteWithEvents(tree, path, txn.zxid, result.events);
      }
      assert(!tree.ephemerals.has(body.sessionId), 'apply: session closed with ephemerals left');
      if (tree.sessions.has(body.sessionId)) tree.removeSession(body.sessionId);
      break;
    default:
      unreachable(body, 'apply: unknown txn body');
  }
  tree.lastZxid = txn.zxid;
  return result;
}

function applyOp(tree: DataTree, txn: Txn, op: TxnOp, events: ChangeEvent[]): OpResult {
  switch (op.type) {
    case 'create': {
      const fields = newNode(
        toStored(op.data),
        internACL(op.acl),
        txn.zxid,
        txn.time,
        op.kind,
        op.ephemeralOwner,
        op.ttlMs,
      );
      const node = tree.createNode(op.path, fields, txn.zxid);
      const parentPath = parentOf(op.path);
      events.push({ type: EventType.nodeCreated, path: op.path, acl: node.acl });
      events.push({
        type: EventType.nodeChildrenChanged,
        path: parentPath,
        acl: tree.mustGet(parentPath).acl,
      });
      return { path: op.path, stat: toStat(node) };
    }
    case 'delete':
      deleteWithEvents(tree, op.path, txn.zxid, events);
      return { path: op.path, stat: null };
    case 'setData': {
      const node = tree.setData(op.path, toStored(op.data), op.version, txn.zxid, txn.time);
      events.push({ type: EventType.nodeDataChanged, path: op.path, acl: node.acl });
      return { path: op.path, stat: toStat(node) };
    }
    case 'setACL':
      return { path: op.path, stat: toStat(tree.setACL(op.path, internACL(op.acl), op.aversion)) };
    case 'check':
      return { path: op.path, stat: null };
    default:
      return unreachable(op, 'apply: unknown op');
  }
}

function deleteWithEvents(tree: DataTree, path: string, zxid: number, events: ChangeEvent[]): void {
  const node = tree.deleteNode(path, zxid);
  const parentPath = parentOf(path);
  events.push({ type: EventType.nodeDeleted, path, acl: node.acl });
  events.push({
    type: EventType.nodeChildrenChanged,
    path: parentPath,
    acl: tree.mustGet(parentPath).acl,
  });
}

/** Node data is held as a latin1 string: one char per byte, one small heap object. */
function toStored(data: Buffer | null): string | null {
  return data === null ? null : data.toString('latin1');
}
