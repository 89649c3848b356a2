/**
 * The compact node encoding of snapshot format 3. Format 2 wrote every node as ZooKeeper's
 * DataNode would be (full path, ACL list, five 8-byte longs, a 64-bit owner, a TTL): 128 bytes
 * besides the data for a typical node. Here a node costs a few bytes besides its data: the
 * path is the part that differs from the previous node's (the walk writes siblings in a row),
 * an ACL list is written once and then named by its number, zxids and times are varints
 * relative to the node's czxid and to the previous node's ctime, and the owner and TTL are
 * written only by the nodes that have them. The encoder and decoder carry that state from
 * one record to the next: records are written and read in order.
 */
import { DecodeError } from '../protocol/jute-reader.js';
import type { ACL, SessionId } from '../protocol/records.js';
import { fail } from '../util/assert.js';
import { internACL } from './acl-cache.js';
import type { NodeFields, NodeKind } from './node.js';

const FLAG = {
  kindMask: 0x03,
  dataNull: 0x04,
  mzxidIsCzxid: 0x08,
  pzxidIsCzxid: 0x10,
  mtimeIsCtime: 0x20,
  owner: 0x40,
  ttl: 0x80,
} as const;

/**
 * Bytes past which a varint is malformed: 8 groups of 7 bits hold the zigzag form of any
 * difference of two safe integers (up to 2^54).
 */
const varintBytesMax = 8;

/** Below this magnitude a zigzag value is a safe integer; above, it is done in BigInt. */
const zigzagSafe = 2 ** 51;

/** Code units two paths share at the start, never ending inside a surrogate pair. */
function sharedPrefix(a: string, b: string): number {
  const most = Math.min(a.length, b.length);
  let n = 0;
  while (n < most && a.charCodeAt(n) === b.charCodeAt(n)) n++;
  if (n > 0 && (a.charCodeAt(n - 1) & 0xfc00) === 0xd800) n--;
  return n;
}

export class NodeEncoder {
  private buffer: Buffer;
  private at = 0;
  private previousPath = '';
  private previousCtime = 0;
  /** ACL lists already written, by identity (the tree interns them). */
  private readonly acls = new Map<readonly ACL[], number>();

  constructor(initialBytes: number) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.at;
  }

  private ensure(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }

  byte(value: number): this {
    this.ensure(1);
    this.buffer[this.at++] = value;
    return this;
  }

  int(value: number): this {
    this.ensure(4);
    this.buffer.writeInt32BE(value, this.at);
    this.at += 4;
    return this;
  }

  varint(value: number): this {
    if (!(Number.isSafeInteger(value) && value >= 0)) fail(`snapshot: bad varint ${value}`);
    this.ensure(varintBytesMax);
    let v = value;
    while (v >= 0x80) {
      this.buffer[this.at++] = v % 0x80 | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buffer[this.at++] = v;
    return this;
  }

  /** A signed safe integer, zigzagged (small magnitudes of either sign take few bytes). */
  signed(value: number): this {
    if (!Number.isSafeInteger(value)) fail(`snapshot: bad signed value ${value}`);
    if (Math.abs(value) < zigzagSafe) return this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
    let v = value >= 0 ? BigInt(value) * 2n : BigInt(-value) * 2n - 1n;
    this.ensure(varintBytesMax);
    while (v >= 0x80n) {
      this.buffer[this.at++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buffer[this.at++] = Number(v);
    return this;
  }

  private text(value: string, encoding: 'utf8' | 'latin1'): void {
    const bytes = Buffer.byteLength(value, encoding);
    this.varint(bytes);
    this.ensure(bytes);
    this.at += this.buffer.write(value, this.at, bytes, encoding);
  }

  private acl(acl: readonly ACL[]): void {
    const known = this.acls.get(acl);
    if (known !== undefined) {
      this.varint(known);
      return;
    }
    const number = this.acls.size;
    this.acls.set(acl, number);
    this.varint(number).varint(acl.length);
    for (const entry of acl) {
      this.varint(entry.perms);
      this.text(entry.id.scheme, 'utf8');
      this.text(entry.id.id, 'utf8');
    }
  }

  node(path: string, n: NodeFields): void {
    let flags: number = n.kind;
    if (n.data === null) flags |= FLAG.dataNull;
    if (n.mzxid === n.czxid) flags |= FLAG.mzxidIsCzxid;
    if (n.pzxid === n.czxid) flags |= FLAG.pzxidIsCzxid;
    if (n.mtime === n.ctime) flags |= FLAG.mtimeIsCtime;
    if (n.ephemeralOwner !== 0n) flags |= FLAG.owner;
    if (n.ttlMs !== 0) flags |= FLAG.ttl;
    this.byte(flags);
    const shared = sharedPrefix(path, this.previousPath);
    this.varint(shared);
    this.text(shared === 0 ? path : path.slice(shared), 'utf8');
    this.previousPath = path;
    this.acl(n.acl);
    this.varint(n.czxid);
    if (n.mzxid !== n.czxid) this.varint(n.mzxid);
    if (n.pzxid !== n.czxid) this.varint(n.pzxid);
    this.signed(n.ctime - this.previousCtime);
    this.previousCtime = n.ctime;
    if (n.mtime !== n.ctime) this.signed(n.mtime - n.ctime);
    this.signed(n.version).signed(n.aversion).signed(n.creations);
    if (n.ephemeralOwner !== 0n) {
      this.ensure(8);
      this.buffer.writeBigInt64BE(n.ephemeralOwner, this.at);
      this.at += 8;
    }
    if (n.ttlMs !== 0) this.signed(n.ttlMs);
    if (n.data !== null) this.text(n.data, 'latin1');
  }

  /** The bytes so far, as a view valid until the next reset (the caller copies them). */
  view(): Buffer {
    return this.buffer.subarray(0, this.at);
  }

  reset(): void {
    this.at = 0;
  }
}

export class NodeDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private at = 0;
  private previousPath = '';
  private previousCtime = 0;
  private readonly acls: (readonly ACL[])[] = [];

  /** Starts on a record's bytes from `offset` (the record's own header already read). */
  begin(record: Buffer, offset: number): void {
    this.buffer = record;
    this.at = offset;
  }

  get remaining(): number {
    return this.buffer.length - this.at;
  }

  private byte(): number {
    if (this.at >= this.buffer.length) throw new DecodeError('snapshot node record ends early');
    return this.buffer[this.at++] as number;
  }

  private varint(): number {
    const value = this.wide();
    if (typeof value === 'number') return value;
    throw new DecodeError(`snapshot: value ${value} is past 2^53`);
  }

  /** A varint: a number while it is safe, else a bigint (only a signed value may be). */
  private wide(): number | bigint {
    let value = 0;
    let scale = 1;
    const start = this.at;
    for (let i = 0; i < varintBytesMax; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b >= 0x80) {
        scale *= 0x80;
        continue;
      }
      if (Number.isSafeInteger(value)) return value;
      let exact = 0n;
      for (let at = this.at - 1; at >= start; at--) {
        exact = (exact << 7n) | BigInt((this.buffer[at] as number) & 0x7f);
      }
      return exact;
    }
    throw new DecodeError('snapshot: malformed varint');
  }

  private signed(): number {
    const z = this.wide();
    if (typeof z === 'number') return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    const value = Number(z % 2n === 0n ? z / 2n : -(z + 1n) / 2n);
    if (!Number.isSafeInteger(value)) throw new DecodeError('snapshot: value past 2^53');
    return value;
  }

  private text(encoding: 'utf8' | 'latin1'): string {
    const bytes = this.varint();
    if (bytes > this.remaining) throw new DecodeError('snapshot node record ends early');
    const value = this.buffer.toString(encoding, this.at, this.at + bytes);
    this.at += bytes;
    return value;
  }

  private acl(): readonly ACL[] {
    const number = this.varint();
    if (number < this.acls.length) return this.acls[number] as readonly ACL[];
    if (number !== this.acls.length) throw new DecodeError(`snapshot: ACL ${number} unknown`);
    const count = this.varint();
    if (count > this.remaining) throw new DecodeError('snapshot: ACL list longer than its record');
    const list: ACL[] = [];
    for (let i = 0; i < count; i++) {
      const perms = this.varint();
      list.push({ perms, id: { scheme: this.text('utf8'), id: this.text('utf8') } });
    }
    const interned = internACL(list);
    this.acls.push(interned);
    return interned;
  }

  node(): [string, NodeFields] {
    const flags = this.byte();
    const shared = this.varint();
    if (shared > this.previousPath.length) throw new DecodeError('snapshot: bad path prefix');
    const suffix = this.text('utf8');
    const path = shared === 0 ? suffix : this.previousPath.slice(0, shared) + suffix;
    this.previousPath = path;
    const acl = this.acl();
    const czxid = this.varint();
    const mzxid = flags & FLAG.mzxidIsCzxid ? czxid : this.varint();
    const pzxid = flags & FLAG.pzxidIsCzxid ? czxid : this.varint();
    const ctime = this.previousCtime + this.signed();
    this.previousCtime = ctime;
    const mtime = flags & FLAG.mtimeIsCtime ? ctime : ctime + this.signed();
    const version = this.signed();
    const aversion = this.signed();
    const creations = this.signed();
    let ephemeralOwner: SessionId = 0n;
    if (flags & FLAG.owner) {
      if (this.remaining < 8) throw new DecodeError('snapshot node record ends early');
      ephemeralOwner = this.buffer.readBigInt64BE(this.at);
      this.at += 8;
    }
    const ttlMs = flags & FLAG.ttl ? this.signed() : 0;
    const data = flags & FLAG.dataNull ? null : this.text('latin1');
    const kind = (flags & FLAG.kindMask) as NodeKind;
    const node: NodeFields = {
      data,
      acl,
      czxid,
      mzxid,
      pzxid,
      ctime,
      mtime,
      version,
      aversion,
      creations,
      kind,
      ephemeralOwner,
      ttlMs,
    };
    return [path, node];
  }
}
