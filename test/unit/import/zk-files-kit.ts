/**
 * Builds small ZooKeeper-format files by hand for the import tests: snapshots (FileSnap) and
 * transaction logs (FileTxnLog), with Adler-32 seals and record checksums, written from the
 * format description (zookeeper.jute and the persistence classes), not from ZooKeeper.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { OpCode } from '../../../src/protocol/opcodes.js';
import { JuteWriter } from '../../../src/protocol/jute-writer.js';
import type { ACL } from '../../../src/protocol/records.js';
import { adler32 } from '../../../src/import/adler32.js';

export const WORLD_ALL: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
export const DIGEST_READ: ACL[] = [{ perms: 1, id: { scheme: 'digest', id: 'u:abc=' } }];

export interface SnapNode {
  path: string;
  data: string | null;
  /** -1: world:anyone:cdrwa; else an id in the ACL table. */
  acl: bigint;
  czxid: number;
  mzxid: number;
  pzxid?: number;
  version?: number;
  cversion?: number;
  aversion?: number;
  owner?: bigint;
  /** Default 1000 and 2000. */
  ctime?: number;
  mtime?: number;
}

export interface SnapSpec {
  sessions: [bigint, number][];
  acls: [bigint, ACL[]][];
  nodes: SnapNode[];
  digest?: { zxid: number; value: bigint };
  /** 3.9's last processed zxid, sealed after the digest. */
  lastZxid?: number;
}

function writeAcl(w: JuteWriter, acl: readonly ACL[]): void {
  w.writeInt(acl.length);
  for (const e of acl) w.writeInt(e.perms).writeString(e.id.scheme).writeString(e.id.id);
}

function seal(w: JuteWriter): void {
  w.writeBigLong(BigInt(adler32(w.toBuffer())));
  w.writeString('/');
}

export function snapshotBytes(spec: SnapSpec): Buffer {
  const w = new JuteWriter(4096);
  w.writeInt(0x5a4b534e).writeInt(2).writeBigLong(0n);
  w.writeInt(spec.sessions.length);
  for (const [id, timeout] of spec.sessions) w.writeBigLong(id).writeInt(timeout);
  w.writeInt(spec.acls.length);
  for (const [id, acl] of spec.acls) writeAcl(w.writeBigLong(id), acl);
  for (const n of spec.nodes) {
    w.writeString(n.path === '/' ? '' : n.path);
    w.writeBuffer(n.data === null ? null : Buffer.from(n.data, 'latin1'));
    w.writeBigLong(n.acl);
    w.writeLong(n.czxid).writeLong(n.mzxid);
    w.writeLong(n.ctime ?? 1000).writeLong(n.mtime ?? 2000);
    w.writeInt(n.version ?? 0)
      .writeInt(n.cversion ?? 0)
      .writeInt(n.aversion ?? 0);
    w.writeBigLong(n.owner ?? 0n).writeLong(n.pzxid ?? n.czxid);
  }
  w.writeString('/');
  seal(w);
  if (spec.digest !== undefined) {
    w.writeLong(spec.digest.zxid).writeInt(2).writeBigLong(BigInt.asIntN(64, spec.digest.value));
    seal(w);
  }
  if (spec.lastZxid !== undefined) {
    w.writeLong(spec.lastZxid);
    seal(w);
  }
  return w.toBuffer();
}

/** The tree of a fresh ZooKeeper 3.5+: root, /zookeeper, /zookeeper/quota, /zookeeper/config. */
export function baseNodes(): SnapNode[] {
  return [
    { path: '/', data: null, acl: -1n, czxid: 0, mzxid: 0, cversion: 1 },
    { path: '/zookeeper', data: '', acl: -1n, czxid: 0, mzxid: 0, cversion: 2 },
    { path: '/zookeeper/quota', data: '', acl: -1n, czxid: 0, mzxid: 0 },
    { path: '/zookeeper/config', data: 'server.1=x', acl: -1n, czxid: 0, mzxid: 0, aversion: -1 },
  ];
}

export interface TxnSpec {
  session?: bigint;
  zxid: number;
  type: number;
  body: (w: JuteWriter) => void;
  /** The tree digest ZooKeeper 3.6+ appends (version 2). */
  digest?: bigint;
}

export function txnBytes(t: TxnSpec): Buffer {
  const w = new JuteWriter(256);
  w.writeBigLong(t.session ?? 0n)
    .writeInt(1)
    .writeLong(t.zxid)
    .writeLong(5000 + t.zxid);
  w.writeInt(t.type);
  t.body(w);
  if (t.digest !== undefined) w.writeInt(2).writeBigLong(BigInt.asIntN(64, t.digest));
  return w.toBuffer();
}

export const create =
  (path: string, data: string, parentCVersion: number, ephemeral = false) =>
  (w: JuteWriter): void => {
    w.writeString(path).writeBuffer(Buffer.from(data));
    writeAcl(w, WORLD_ALL);
    w.writeBool(ephemeral).writeInt(parentCVersion);
  };
export const setData = (path: string, data: string, version: number) => (w: JuteWriter) => {
  w.writeString(path).writeBuffer(Buffer.from(data)).writeInt(version);
};
export const del = (path: string) => (w: JuteWriter) => void w.writeString(path);
export const sessionTimeout = (ms: number) => (w: JuteWriter) => void w.writeInt(ms);
export const closeSession = (paths: string[]) => (w: JuteWriter) => void w.writeStrings(paths);
export const multi =
  (parts: [number, (w: JuteWriter) => void][]) =>
  (w: JuteWriter): void => {
    w.writeInt(parts.length);
    for (const [type, body] of parts) {
      const part = new JuteWriter(128);
      body(part);
      w.writeInt(type).writeBuffer(part.toBuffer());
    }
  };

export { OpCode };

/** A log file: header, records, and preallocated zeros after them. */
export function logBytes(records: Buffer[], padding = 64): Buffer {
  const w = new JuteWriter(4096);
  w.writeInt(0x5a4b4c47).writeInt(2).writeBigLong(0n);
  for (const r of records) {
    w.writeBigLong(BigInt(adler32(r)))
      .writeBuffer(r)
      .writeByte(0x42);
  }
  return Buffer.concat([w.toBuffer(), Buffer.alloc(padding)]);
}

/** `<root>/version-2`, made. */
export function versionDir(root: string): string {
  const dir = join(root, 'version-2');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function writeSnapshot(dir: string, zxid: number, bytes: Buffer, gz = false): void {
  const name = `snapshot.${zxid.toString(16)}${gz ? '.gz' : ''}`;
  writeFileSync(join(dir, name), gz ? gzipSync(bytes) : bytes);
}

export function writeLog(dir: string, zxid: number, bytes: Buffer): string {
  const path = join(dir, `log.${zxid.toString(16)}`);
  writeFileSync(path, bytes);
  return path;
}
