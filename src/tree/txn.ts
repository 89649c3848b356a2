/**
 * Transactions: the deterministic result of preparing a write. Everything that is not
 * deterministic (zxid, time, session ids, sequence numbers, versions, error decisions) is
 * decided at prepare time and written here, so apply() gives identical trees everywhere.
 */
import type { ACL, SessionId } from '../protocol/records.js';
import type { NodeKind } from './node.js';

export interface CreateOp {
  type: 'create';
  path: string;
  data: Buffer | null;
  acl: readonly ACL[];
  kind: NodeKind;
  ephemeralOwner: SessionId;
  ttlMs: number;
}
export interface DeleteOp {
  type: 'delete';
  path: string;
}
export interface SetDataOp {
  type: 'setData';
  path: string;
  data: Buffer | null;
  version: number;
}
export interface SetACLOp {
  type: 'setACL';
  path: string;
  acl: readonly ACL[];
  aversion: number;
}
export interface CheckOp {
  type: 'check';
  path: string;
}
export type TxnOp = CreateOp | DeleteOp | SetDataOp | SetACLOp | CheckOp;

/** What the write did to the tree. The client-visible reply is derived from it at apply. */
export type TxnBody =
  | { type: 'ops'; ops: TxnOp[] }
  /** A request that failed validation: consumes a zxid, changes nothing. */
  | { type: 'error'; err: number }
  /** A multi that failed: per-op codes (0, the failing code, -2 for the rest). */
  | { type: 'multiError'; errs: number[] }
  | { type: 'createSession'; sessionId: SessionId; timeoutMs: number; passwd: Buffer }
  /** Closing (or expiring) a session deletes all its ephemerals, in path order. */
  | { type: 'closeSession'; sessionId: SessionId };

export interface Txn {
  zxid: number;
  /** Wall-clock ms chosen at prepare; becomes ctime/mtime. */
  time: number;
  /** Session that asked for it (0n for internal requests such as container reaping). */
  sessionId: SessionId;
  body: TxnBody;
}
