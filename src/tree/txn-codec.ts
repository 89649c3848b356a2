/**
 * Binary form of a txn, as stored in the write-ahead log (and later shipped between servers).
 * A version byte leads every record so the format can evolve; decode rejects what it does not
 * know instead of guessing.
 */
import { DecodeError, JuteReader } from '../protocol/jute-reader.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import { readACLs, writeACLs } from '../protocol/records.js';
import { unreachable } from '../util/assert.js';
import type { NodeKind } from './node.js';
import type { Txn, TxnBody, TxnOp } from './txn.js';

const FORMAT_VERSION = 1;
const BODY = { ops: 1, error: 2, multiError: 3, createSession: 4, closeSession: 5 } as const;
const OP = { create: 1, delete: 2, setData: 3, setACL: 4, check: 5 } as const;

export function encodeTxn(w: JuteWriter, txn: Txn): void {
  w.writeByte(FORMAT_VERSION).writeLong(txn.zxid).writeLong(txn.time).writeBigLong(txn.sessionId);
  const body = txn.body;
  switch (body.type) {
    case 'ops':
      w.writeByte(BODY.ops).writeInt(body.ops.length);
      for (const op of body.ops) encodeOp(w, op);
      return;
    case 'error':
      w.writeByte(BODY.error).writeInt(body.err);
      return;
    case 'multiError':
      w.writeByte(BODY.multiError).writeInt(body.errs.length);
      for (const err of body.errs) w.writeInt(err);
      return;
    case 'createSession':
      w.writeByte(BODY.createSession).writeBigLong(body.sessionId).writeInt(body.timeoutMs);
      w.writeBuffer(body.passwd);
      return;
    case 'closeSession':
      w.writeByte(BODY.closeSession).writeBigLong(body.sessionId);
      return;
    default:
      unreachable(body);
  }
}

function encodeOp(w: JuteWriter, op: TxnOp): void {
  switch (op.type) {
    case 'create':
      w.writeByte(OP.create).writeString(op.path).writeBuffer(op.data);
      writeACLs(w, op.acl);
      w.writeByte(op.kind).writeBigLong(op.ephemeralOwner).writeLong(op.ttlMs);
      return;
    case 'delete':
      w.writeByte(OP.delete).writeString(op.path);
      return;
    case 'setData':
      w.writeByte(OP.setData).writeString(op.path).writeBuffer(op.data).writeInt(op.version);
      return;
    case 'setACL':
      w.writeByte(OP.setACL).writeString(op.path);
      writeACLs(w, op.acl);
      w.writeInt(op.aversion);
      return;
    case 'check':
      w.writeByte(OP.check).writeString(op.path);
      return;
    default:
      unreachable(op);
  }
}

export function txnToBuffer(txn: Txn): Buffer {
  const w = new JuteWriter(256);
  encodeTxn(w, txn);
  return w.toBuffer();
}

export function decodeTxn(bytes: Buffer): Txn {
  const r = new JuteReader(bytes);
  const version = r.readByte();
  if (version !== FORMAT_VERSION) throw new DecodeError(`unknown txn format version ${version}`);
  const zxid = r.readLong();
  const time = r.readLong();
  const sessionId = r.readBigLong();
  const body = decodeBody(r);
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} stray bytes after txn ${zxid}`);
  return { zxid, time, sessionId, body };
}

function decodeBody(r: JuteReader): TxnBody {
  const type = r.readByte();
  switch (type) {
    case BODY.ops: {
      const count = r.readVectorLength();
      const ops: TxnOp[] = [];
      for (let i = 0; i < count; i++) ops.push(decodeOp(r));
      return { type: 'ops', ops };
    }
    case BODY.error:
      return { type: 'error', err: r.readInt() };
    case BODY.multiError: {
      const count = r.readVectorLength();
      const errs: number[] = [];
      for (let i = 0; i < count; i++) errs.push(r.readInt());
      return { type: 'multiError', errs };
    }
    case BODY.createSession:
      return {
        type: 'createSession',
        sessionId: r.readBigLong(),
        timeoutMs: r.readInt(),
        passwd: r.readBuffer() ?? Buffer.alloc(0),
      };
    case BODY.closeSession:
      return { type: 'closeSession', sessionId: r.readBigLong() };
    default:
      throw new DecodeError(`unknown txn body type ${type}`);
  }
}

function decodeOp(r: JuteReader): TxnOp {
  const type = r.readByte();
  switch (type) {
    case OP.create: {
      const path = r.readString();
      const data = r.readBuffer();
      const acl = readACLs(r) ?? [];
      const kind = r.readByte() as NodeKind;
      if (kind < 0 || kind > 3) throw new DecodeError(`unknown node kind ${kind}`);
      return {
        type: 'create',
        path,
        data,
        acl,
        kind,
        ephemeralOwner: sharedZero(r.readBigLong()),
        ttlMs: r.readLong(),
      };
    }
    case OP.delete:
      return { type: 'delete', path: r.readString() };
    case OP.setData:
      return { type: 'setData', path: r.readString(), data: r.readBuffer(), version: r.readInt() };
    case OP.setACL:
      return {
        type: 'setACL',
        path: r.readString(),
        acl: readACLs(r) ?? [],
        aversion: r.readInt(),
      };
    case OP.check:
      return { type: 'check', path: r.readString() };
    default:
      throw new DecodeError(`unknown txn op ${type}`);
  }
}

/** One shared 0n instead of a fresh bigint per persistent node. */
function sharedZero(value: bigint): bigint {
  return value === 0n ? 0n : value;
}
