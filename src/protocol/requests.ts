/**
 * Client request bodies, decoded by opcode into one discriminated union (and encoded back, for
 * Warren's own client, tests and benchmarks). Decoding never trusts the input: any malformed
 * body throws DecodeError, which the server answers with MarshallingError.
 */
import { DecodeError, JuteReader } from './jute-reader.js';
import type { JuteWriter } from './jute-writer.js';
import { multiOpsMax } from '../util/limits.js';
import { OpCode } from './opcodes.js';
import { readACLs, readMultiHeader, writeACLs, writeMultiHeader, type ACL } from './records.js';

export type CreateOpCode = 1 | 15 | 19 | 21;

export interface CreateRequest {
  type: CreateOpCode;
  path: string;
  data: Buffer | null;
  acl: ACL[] | null;
  flags: number;
  /** -1 for the opcodes without a ttl field. */
  ttl: number;
}
export interface DeleteRequest {
  type: 2;
  path: string;
  version: number;
}
export interface SetDataRequest {
  type: 5;
  path: string;
  data: Buffer | null;
  version: number;
}
export interface CheckRequest {
  type: 13;
  path: string;
  version: number;
}
export interface PathWatchRequest {
  type: 3 | 4 | 8 | 12;
  path: string;
  watch: boolean;
}
export interface PathRequest {
  type: 6 | 9 | 104;
  path: string;
}
export interface SetACLRequest {
  type: 7;
  path: string;
  acl: ACL[] | null;
  version: number;
}
export interface WatchTypeRequest {
  type: 17 | 18;
  path: string;
  watcherType: number;
}
export interface SetWatchesRequest {
  type: 101 | 105;
  relativeZxid: number;
  dataWatches: string[];
  existWatches: string[];
  childWatches: string[];
  persistentWatches: string[];
  persistentRecursiveWatches: string[];
}
export interface AddWatchRequest {
  type: 106;
  path: string;
  mode: number;
}
export interface GetEphemeralsRequest {
  type: 103;
  prefix: string;
}
export interface AuthRequest {
  type: 100;
  scheme: string;
  auth: Buffer;
}
export interface ReconfigRequest {
  type: 16;
  joiningServers: string;
  leavingServers: string;
  newMembers: string;
  curConfigId: number;
}
export interface NoBodyRequest {
  type: 11 | 107 | -11;
}
export type WriteSubRequest = CreateRequest | DeleteRequest | SetDataRequest | CheckRequest;
export interface MultiRequest {
  type: 14;
  ops: WriteSubRequest[];
}
export interface MultiReadRequest {
  type: 22;
  ops: PathWatchRequest[];
}
/** GetSASLRequest: one SASL token of the exchange (empty to start DIGEST-MD5). */
export interface SaslRequest {
  type: 102;
  token: Buffer;
}
/** An opcode this server does not serve (answered with Unimplemented). */
export interface UnknownRequest {
  type: 'unknown';
  opcode: number;
}

export type Request =
  | CreateRequest
  | DeleteRequest
  | SetDataRequest
  | CheckRequest
  | PathWatchRequest
  | PathRequest
  | SetACLRequest
  | WatchTypeRequest
  | SetWatchesRequest
  | AddWatchRequest
  | GetEphemeralsRequest
  | AuthRequest
  | SaslRequest
  | ReconfigRequest
  | NoBodyRequest
  | MultiRequest
  | MultiReadRequest
  | UnknownRequest;

function readCreate(r: JuteReader, type: CreateOpCode): CreateRequest {
  const path = r.readString();
  const data = r.readBuffer();
  const acl = readACLs(r);
  const flags = r.readInt();
  const ttl = type === OpCode.createTTL ? r.readLong() : -1;
  return { type, path, data, acl, flags, ttl };
}

function readWriteSub(r: JuteReader, type: number): WriteSubRequest {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return readCreate(r, type);
    case OpCode.delete:
      return { type, path: r.readString(), version: r.readInt() };
    case OpCode.setData:
      return { type, path: r.readString(), data: r.readBuffer(), version: r.readInt() };
    case OpCode.check:
      return { type, path: r.readString(), version: r.readInt() };
    default:
      throw new DecodeError(`sub-operation ${type} is not allowed in multi`);
  }
}

function readMulti(r: JuteReader, read: boolean): MultiRequest | MultiReadRequest {
  const writes: WriteSubRequest[] = [];
  const reads: PathWatchRequest[] = [];
  for (;;) {
    const header = readMultiHeader(r);
    if (header.done) break;
    if (writes.length + reads.length >= multiOpsMax) throw new DecodeError('multi too long');
    if (read) {
      if (header.type !== OpCode.getData && header.type !== OpCode.getChildren) {
        throw new DecodeError(`sub-operation ${header.type} is not allowed in multiRead`);
      }
      reads.push({ type: header.type, path: r.readString(), watch: r.readBool() });
    } else {
      writes.push(readWriteSub(r, header.type));
    }
  }
  return read ? { type: OpCode.multiRead, ops: reads } : { type: OpCode.multi, ops: writes };
}

function readSetWatches(r: JuteReader, type: 101 | 105): SetWatchesRequest {
  const relativeZxid = r.readLong();
  const dataWatches = r.readStrings();
  const existWatches = r.readStrings();
  const childWatches = r.readStrings();
  const two = type === OpCode.setWatches2;
  const persistentWatches = two ? r.readStrings() : [];
  const persistentRecursiveWatches = two ? r.readStrings() : [];
  return {
    type,
    relativeZxid,
    dataWatches,
    existWatches,
    childWatches,
    persistentWatches,
    persistentRecursiveWatches,
  };
}

/** Decodes the body of a request with the given opcode (the header is already read). */
export function decodeRequest(type: number, r: JuteReader): Request {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
    case OpCode.delete:
    case OpCode.setData:
    case OpCode.check:
      return readWriteSub(r, type);
    case OpCode.exists:
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.getChildren2:
      return { type, path: r.readString(), watch: r.readBool() };
    case OpCode.getACL:
    case OpCode.sync:
    case OpCode.getAllChildrenNumber:
      return { type, path: r.readString() };
    case OpCode.setACL:
      return { type, path: r.readString(), acl: readACLs(r), version: r.readInt() };
    case OpCode.checkWatches:
    case OpCode.removeWatches:
      return { type, path: r.readString(), watcherType: r.readInt() };
    case OpCode.setWatches:
    case OpCode.setWatches2:
      return readSetWatches(r, type);
    case OpCode.addWatch:
      return { type, path: r.readString(), mode: r.readInt() };
    case OpCode.getEphemerals:
      return { type, prefix: r.readString() };
    case OpCode.auth: {
      r.readInt(); // AuthPacket.type, always 0
      return { type, scheme: r.readString(), auth: r.readBuffer() ?? Buffer.alloc(0) };
    }
    case OpCode.sasl:
      return { type, token: r.readBuffer() ?? Buffer.alloc(0) };
    case OpCode.reconfig:
      return {
        type,
        joiningServers: r.readString(),
        leavingServers: r.readString(),
        newMembers: r.readString(),
        curConfigId: r.readLong(),
      };
    case OpCode.ping:
    case OpCode.whoAmI:
    case OpCode.closeSession:
      return { type };
    case OpCode.multi:
      return readMulti(r, false);
    case OpCode.multiRead:
      return readMulti(r, true);
    default:
      return { type: 'unknown', opcode: type };
  }
}

function writeCreate(w: JuteWriter, req: CreateRequest): void {
  w.writeString(req.path).writeBuffer(req.data);
  if (req.acl === null) w.writeInt(-1);
  else writeACLs(w, req.acl);
  w.writeInt(req.flags);
  if (req.type === OpCode.createTTL) w.writeLong(req.ttl);
}

function writeSub(w: JuteWriter, req: WriteSubRequest | PathWatchRequest): void {
  switch (req.type) {
    case 1:
    case 15:
    case 19:
    case 21:
      return writeCreate(w, req);
    case 2:
    case 13:
      w.writeString(req.path).writeInt(req.version);
      return;
    case 5:
      w.writeString(req.path).writeBuffer(req.data).writeInt(req.version);
      return;
    default:
      w.writeString(req.path).writeBool(req.watch);
  }
}

/** AuthPacket (type 0, scheme, auth) or GetSASLRequest (token). */
function writeAuthBody(w: JuteWriter, req: AuthRequest | SaslRequest): void {
  if (req.type === 102) w.writeBuffer(req.token);
  else w.writeInt(0).writeString(req.scheme).writeBuffer(req.auth);
}

/** Encodes a request body (no header). The inverse of decodeRequest. */
export function encodeRequest(w: JuteWriter, req: Request): void {
  switch (req.type) {
    case 'unknown':
    case 11:
    case 107:
    case -11:
      return;
    case 1:
    case 15:
    case 19:
    case 21:
    case 2:
    case 13:
    case 5:
    case 3:
    case 4:
    case 8:
    case 12:
      return writeSub(w, req);
    case 6:
    case 9:
    case 104:
      w.writeString(req.path);
      return;
    case 7:
      w.writeString(req.path);
      if (req.acl === null) w.writeInt(-1);
      else writeACLs(w, req.acl);
      w.writeInt(req.version);
      return;
    case 17:
    case 18:
      w.writeString(req.path).writeInt(req.watcherType);
      return;
    case 101:
    case 105:
      w.writeLong(req.relativeZxid).writeStrings(req.dataWatches);
      w.writeStrings(req.existWatches).writeStrings(req.childWatches);
      if (req.type === 105) {
        w.writeStrings(req.persistentWatches).writeStrings(req.persistentRecursiveWatches);
      }
      return;
    case 106:
      w.writeString(req.path).writeInt(req.mode);
      return;
    case 103:
      w.writeString(req.prefix);
      return;
    case 100:
    case 102:
      return writeAuthBody(w, req);
    case 16:
      w.writeString(req.joiningServers).writeString(req.leavingServers);
      w.writeString(req.newMembers).writeLong(req.curConfigId);
      return;
    case 14:
    case 22:
      for (const op of req.ops) {
        writeMultiHeader(w, { type: op.type, done: false, err: -1 });
        writeSub(w, op);
      }
      writeMultiHeader(w, { type: -1, done: true, err: -1 });
      return;
  }
}
