/**
 * The jute records shared by requests and replies: Stat, Id, ACL, headers, WatcherEvent and
 * the connect handshake. Field orders follow zookeeper.jute exactly.
 */
import { DecodeError, JuteReader } from './jute-reader.js';
import type { JuteWriter } from './jute-writer.js';

export type SessionId = bigint;

export interface Stat {
  czxid: number;
  mzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: SessionId;
  dataLength: number;
  numChildren: number;
  pzxid: number;
}

export const STAT_BYTES = 68;

export function writeStat(w: JuteWriter, s: Stat): void {
  w.writeLong(s.czxid).writeLong(s.mzxid).writeLong(s.ctime).writeLong(s.mtime);
  w.writeInt(s.version).writeInt(s.cversion).writeInt(s.aversion);
  w.writeBigLong(s.ephemeralOwner).writeInt(s.dataLength).writeInt(s.numChildren);
  w.writeLong(s.pzxid);
}

export function readStat(r: JuteReader): Stat {
  return {
    czxid: r.readLong(),
    mzxid: r.readLong(),
    ctime: r.readLong(),
    mtime: r.readLong(),
    version: r.readInt(),
    cversion: r.readInt(),
    aversion: r.readInt(),
    ephemeralOwner: r.readBigLong(),
    dataLength: r.readInt(),
    numChildren: r.readInt(),
    pzxid: r.readLong(),
  };
}

export interface Id {
  scheme: string;
  id: string;
}

export interface ACL {
  perms: number;
  id: Id;
}

export function writeACLs(w: JuteWriter, acls: readonly ACL[]): void {
  w.writeInt(acls.length);
  for (const acl of acls) w.writeInt(acl.perms).writeString(acl.id.scheme).writeString(acl.id.id);
}

/** Reads a vector<ACL>; a null vector reads as null (InvalidACL at validation). */
export function readACLs(r: JuteReader): ACL[] | null {
  const count = r.readInt();
  if (count === -1) return null;
  if (count < -1 || count > r.remaining) throw new DecodeError(`invalid ACL count ${count}`);
  const out: ACL[] = [];
  for (let i = 0; i < count; i++) {
    const perms = r.readInt();
    out.push({ perms, id: { scheme: r.readString(), id: r.readString() } });
  }
  return out;
}

export interface RequestHeader {
  xid: number;
  type: number;
}

export interface ReplyHeader {
  xid: number;
  zxid: number;
  err: number;
}

export function writeReplyHeader(w: JuteWriter, xid: number, zxid: number, err: number): void {
  w.writeInt(xid).writeLong(zxid).writeInt(err);
}

export function readReplyHeader(r: JuteReader): ReplyHeader {
  return { xid: r.readInt(), zxid: r.readLong(), err: r.readInt() };
}

export interface WatcherEvent {
  type: number;
  state: number;
  path: string;
}

export function writeWatcherEvent(w: JuteWriter, e: WatcherEvent): void {
  w.writeInt(e.type).writeInt(e.state).writeString(e.path);
}

export function readWatcherEvent(r: JuteReader): WatcherEvent {
  return { type: r.readInt(), state: r.readInt(), path: r.readString() };
}

export interface ConnectRequest {
  protocolVersion: number;
  lastZxidSeen: number;
  timeOut: number;
  sessionId: SessionId;
  passwd: Buffer;
  /** null when the client did not send the byte (44-byte requests): the reply omits it too. */
  readOnly: boolean | null;
}

export function readConnectRequest(r: JuteReader): ConnectRequest {
  const protocolVersion = r.readInt();
  const lastZxidSeen = r.readLong();
  const timeOut = r.readInt();
  const sessionId = r.readBigLong();
  const passwd = r.readBuffer() ?? Buffer.alloc(0);
  const readOnly = r.remaining > 0 ? r.readBool() : null;
  return { protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly };
}

export function writeConnectRequest(w: JuteWriter, c: ConnectRequest): void {
  w.writeInt(c.protocolVersion).writeLong(c.lastZxidSeen).writeInt(c.timeOut);
  w.writeBigLong(c.sessionId).writeBuffer(c.passwd);
  if (c.readOnly !== null) w.writeBool(c.readOnly);
}

export interface ConnectResponse {
  protocolVersion: number;
  timeOut: number;
  sessionId: SessionId;
  passwd: Buffer;
  readOnly: boolean | null;
}

export function writeConnectResponse(w: JuteWriter, c: ConnectResponse): void {
  w.writeInt(c.protocolVersion).writeInt(c.timeOut).writeBigLong(c.sessionId);
  w.writeBuffer(c.passwd);
  if (c.readOnly !== null) w.writeBool(c.readOnly);
}

export function readConnectResponse(r: JuteReader): ConnectResponse {
  const protocolVersion = r.readInt();
  const timeOut = r.readInt();
  const sessionId = r.readBigLong();
  const passwd = r.readBuffer() ?? Buffer.alloc(0);
  const readOnly = r.remaining > 0 ? r.readBool() : null;
  return { protocolVersion, timeOut, sessionId, passwd, readOnly };
}

export interface MultiHeader {
  type: number;
  done: boolean;
  err: number;
}

export function readMultiHeader(r: JuteReader): MultiHeader {
  return { type: r.readInt(), done: r.readBool(), err: r.readInt() };
}

export function writeMultiHeader(w: JuteWriter, h: MultiHeader): void {
  w.writeInt(h.type).writeBool(h.done).writeInt(h.err);
}
