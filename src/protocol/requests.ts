/**
 * Client request bodies, decoded by opcode into one discriminated union (and encoded back, for
 * Warren's own client, tests and benchmarks). Decoding never trusts the input: any malformed
 * body throws DecodeError, which the server answers with MarshallingError.
 */
import { DecodeError, JuteReader } from './jute-reader.js';
import type { JuteWriter } from './jute-writer.js';
import { multiOpsMax } from '../util/limits.js';
import { CreateFlag, OpCode } from './opcodes.js';
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
  /**
   * Set when the body is not a multi ZooKeeper can read (its MultiOperationRecord throws: a
   * read or unknown sub-op, a create mode a create sub-op may not have, a cut record). ops is
   * then empty, and the multi is still a write: ZooKeeper gives it a zxid and logs an error
   * txn (MarshallingError), so later replies carry that zxid.
   */
  unreadable?: true;
}
export interface MultiReadRequest {
  type: 22;
  ops: PathWatchRequest[];
  /**
   * Set for a multiRead of write sub-ops only (ops then empty): ZooKeeper reads them like a
   * multi's, then refuses the first one: MarshallingError, sent with an empty multi body.
   */
  refused?: true;
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

/**
 * A create sub-op as ZooKeeper 3.9's MultiOperationRecord reads it: the create mode, not the
 * opcode, says what is made. A createTTL without a TTL mode is Op.create's plain create (its
 * ttl dropped; the container flag makes a container, an unknown flag is left for prepare to
 * refuse); a create, create2 or createContainer with a TTL mode or an unknown flag cannot be
 * read (CreateOptions: no ttl for a TTL mode; CreateMode.fromFlag: no mode), and with the
 * container flag it is a createContainer.
 */
function readMultiCreate(r: JuteReader, type: CreateOpCode): CreateRequest | null {
  const req = readCreate(r, type);
  const ttlMode =
    req.flags === CreateFlag.persistentWithTtl ||
    req.flags === CreateFlag.persistentSequentialWithTtl;
  if (type === OpCode.createTTL) {
    if (ttlMode) return req;
    const container = req.flags === CreateFlag.container;
    return { ...req, type: container ? OpCode.createContainer : OpCode.create, ttl: -1 };
  }
  if (ttlMode || req.flags < CreateFlag.persistent || req.flags > CreateFlag.container) return null;
  return req.flags === CreateFlag.container ? { ...req, type: OpCode.createContainer } : req;
}

/** A multi's sub-op, or null for one ZooKeeper cannot read in a multi. */
function readMultiSub(r: JuteReader, type: number): WriteSubRequest | null {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return readMultiCreate(r, type);
    case OpCode.delete:
    case OpCode.setData:
    case OpCode.check:
      return readWriteSub(r, type);
    default:
      return null;
  }
}

/** A multi ZooKeeper cannot read: see MultiRequest.unreadable. */
export function unreadableMulti(): MultiRequest {
  return { type: OpCode.multi, ops: [], unreadable: true };
}

/**
 * Reading stops at the first sub-op ZooKeeper cannot read (the multi is unreadable then);
 * a body cut short or with a bad length still throws DecodeError, so a peer's damaged
 * forward is refused (decodeClientRequest makes it an unreadable multi for a client).
 */
function readMultiWrites(r: JuteReader): MultiRequest {
  const ops: WriteSubRequest[] = [];
  for (;;) {
    const header = readMultiHeader(r);
    if (header.done) break;
    if (ops.length >= multiOpsMax) throw new DecodeError('multi too long');
    const op = readMultiSub(r, header.type);
    if (op === null) return unreadableMulti();
    ops.push(op);
  }
  return { type: OpCode.multi, ops };
}

/**
 * getData and getChildren sub-ops. Write sub-ops alone are read as in a multi (one refused
 * there is a DecodeError) and make the multiRead refused; reads and writes mixed are a
 * DecodeError, as ZooKeeper's MultiOperationRecord refuses them.
 */
function readMultiRead(r: JuteReader): MultiReadRequest {
  const ops: PathWatchRequest[] = [];
  let writes = 0;
  for (;;) {
    const header = readMultiHeader(r);
    if (header.done) break;
    if (ops.length + writes >= multiOpsMax) throw new DecodeError('multi too long');
    if (header.type === OpCode.getData || header.type === OpCode.getChildren) {
      ops.push({ type: header.type, path: r.readString(), watch: r.readBool() });
    } else if (readMultiSub(r, header.type) !== null) {
      writes++;
    } else {
      throw new DecodeError(`sub-operation ${header.type} is not allowed in multiRead`);
    }
    if (ops.length > 0 && writes > 0) throw new DecodeError('multiRead mixes reads and writes');
  }
  return writes > 0
    ? { type: OpCode.multiRead, ops: [], refused: true }
    : { type: OpCode.multiRead, ops };
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
      return readMultiWrites(r);
    case OpCode.multiRead:
      return readMultiRead(r);
    default:
      return { type: 'unknown', opcode: type };
  }
}

/**
 * decodeRequest for a client's frame: a multi body that does not decode at all (cut short, a
 * bad length, too many sub-ops) is an unreadable multi too, since ZooKeeper's
 * MultiOperationRecord throws IOException for it like for a sub-op it refuses.
 */
export function decodeClientRequest(type: number, r: JuteReader): Request {
  try {
    return decodeRequest(type, r);
  } catch (e) {
    if (type === OpCode.multi && e instanceof DecodeError) return unreadableMulti();
    throw e;
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
      return writeMulti(w, req);
  }
}

function writeMulti(w: JuteWriter, req: MultiRequest | MultiReadRequest): void {
  if (req.type === 14 && req.unreadable === true) {
    // Forwarded as a multi that no one can read either: a sub-op of opcode 0.
    writeMultiHeader(w, { type: OpCode.notification, done: false, err: -1 });
    return;
  }
  if (req.type === 22 && req.refused === true) {
    // One write sub-op stands for them all.
    writeMultiHeader(w, { type: OpCode.check, done: false, err: -1 });
    w.writeString('/').writeInt(-1);
  }
  for (const op of req.ops) {
    writeMultiHeader(w, { type: op.type, done: false, err: -1 });
    writeSub(w, op);
  }
  writeMultiHeader(w, { type: -1, done: true, err: -1 });
}
