/**
 * Decodes one ZooKeeper transaction-log entry: TxnHeader (session, cxid, zxid, time, type),
 * the txn record its type names (zookeeper.jute, module txn) and, from 3.6, the TxnDigest of
 * the tree after it. Older shapes are read too: CreateTxnV0 (no parentCVersion) and a
 * closeSession with no record (before CloseSessionTxn).
 */
import { OpCode } from '../protocol/opcodes.js';
import type { ACL, SessionId } from '../protocol/records.js';
import { NodeKind } from '../tree/node.js';
import { zkDataBytesMax, zkMultiOpsMax, zkStringBytesMax, zkTxnBytesMax } from './import-limits.js';
import { FieldError, ZkCursor } from './zk-cursor.js';
import { readAclList } from './zk-snapshot-reader.js';

export interface ZkCreate {
  type: 'create';
  /** create (1) alone has ZooKeeper's cversion fix-up when the node already exists. */
  plainCreate: boolean;
  path: string;
  data: string | null;
  acl: ACL[];
  kind: NodeKind;
  ttlMs: number;
  /** The parent's cversion after this create; -1: one more than it is. */
  parentCVersion: number;
}

export type ZkOp =
  | ZkCreate
  | { type: 'delete'; path: string }
  | { type: 'setData'; path: string; data: string | null; version: number }
  | { type: 'setACL'; path: string; acl: ACL[]; version: number }
  | { type: 'reconfig' }
  | { type: 'noop' }
  | { type: 'error'; err: number }
  | { type: 'createSession'; timeoutMs: number }
  | { type: 'closeSession'; paths: string[] | null }
  | { type: 'multi'; ops: ZkOp[] };

export interface ZkTxn {
  sessionId: SessionId;
  zxid: number;
  time: number;
  op: ZkOp;
  digest: { version: number; value: bigint } | null;
}

const digestBytes = 12;

export function decodeZkTxn(bytes: Buffer): ZkTxn {
  const c = ZkCursor.of(bytes);
  const sessionId = c.bigLong();
  c.int(); // cxid
  const zxid = c.long('zxid');
  const time = c.long('time');
  const type = c.int();
  const op = type === OpCode.closeSession ? closeSession(c) : decodeOp(type, c, false);
  let digest = null;
  if (c.remaining >= digestBytes) {
    const version = c.int();
    digest = { version, value: BigInt.asUintN(64, c.bigLong()) };
  }
  return { sessionId, zxid, time, op, digest };
}

/** CloseSessionTxn (3.6+) lists the ephemerals to delete; before, there is no record. */
function closeSession(c: ZkCursor): ZkOp {
  const start = c.pos;
  if (c.remaining === 0) return { type: 'closeSession', paths: null };
  try {
    const count = c.count(c.remaining, 'the paths to delete');
    const paths: string[] = [];
    for (let i = 0; i < count; i++) paths.push(c.string(zkStringBytesMax, 'a path'));
    if (c.remaining === 0 || c.remaining === digestBytes) return { type: 'closeSession', paths };
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
  }
  // No record, only a digest (CloseSessionTxn turned off).
  c.pos = start;
  return { type: 'closeSession', paths: null };
}

function text(c: ZkCursor, what: string): string {
  return c.string(zkStringBytesMax, what);
}

function create(c: ZkCursor, type: number): ZkCreate {
  const path = text(c, 'a path');
  const data = c.binaryString(zkDataBytesMax, 'node data');
  const acl = readAclList(c);
  const base = { type: 'create' as const, plainCreate: type === OpCode.create, path, data, acl };
  if (type === OpCode.createContainer) {
    return { ...base, kind: NodeKind.container, ttlMs: 0, parentCVersion: c.int() };
  }
  if (type === OpCode.createTTL) {
    const parentCVersion = c.int();
    const ttlMs = c.long('a TTL');
    return { ...base, kind: NodeKind.ttl, ttlMs, parentCVersion };
  }
  const kind = c.bool() ? NodeKind.ephemeral : NodeKind.persistent;
  // CreateTxnV0 stops here; a digest after it would be 12 bytes, never fewer than 4.
  const parentCVersion = c.remaining < 4 ? -1 : c.int();
  return { ...base, kind, ttlMs: 0, parentCVersion };
}

function decodeOp(type: number, c: ZkCursor, inMulti: boolean): ZkOp {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return create(c, type);
    case OpCode.delete:
    case OpCode.deleteContainer:
      return { type: 'delete', path: text(c, 'a path') };
    case OpCode.setData: {
      const path = text(c, 'a path');
      const data = c.binaryString(zkDataBytesMax, 'node data');
      return { type: 'setData', path, data, version: c.int() };
    }
    case OpCode.setACL: {
      const path = text(c, 'a path');
      const acl = readAclList(c);
      return { type: 'setACL', path, acl, version: c.int() };
    }
    case OpCode.error:
      return { type: 'error', err: c.int() };
    case OpCode.check:
      text(c, 'a path');
      c.int();
      return { type: 'noop' };
    case OpCode.createSession:
      if (!inMulti) return { type: 'createSession', timeoutMs: c.int() };
      break;
    case OpCode.reconfig:
      if (!inMulti) {
        // Its SetDataTxn rewrites /zookeeper/config, which Warren keeps its own way.
        text(c, 'a path');
        c.binaryString(zkDataBytesMax, 'node data');
        c.int();
        return { type: 'reconfig' };
      }
      break;
    case OpCode.multi:
      if (!inMulti) return multi(c);
      break;
  }
  throw new FieldError(`unknown transaction type ${type}${inMulti ? ' inside a multi' : ''}`);
}

function multi(c: ZkCursor): ZkOp {
  const count = c.count(zkMultiOpsMax, 'a multi');
  const ops: ZkOp[] = [];
  for (let i = 0; i < count; i++) {
    const type = c.int();
    const body = c.bufferView(zkTxnBytesMax, 'a multi part');
    ops.push(decodeOp(type, ZkCursor.of(body ?? Buffer.alloc(0)), true));
  }
  return { type: 'multi', ops };
}
