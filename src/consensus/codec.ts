/**
 * The wire form of consensus messages between servers: compact big-endian binary, a version
 * byte and a type byte first. Decoding treats its input as hostile (any peer may send
 * anything): every malformed input throws `PeerDecodeError`, never anything else, and no count
 * read from the input makes us allocate more than the input itself could hold.
 *
 * Layout (u64 = a JS safe integer written as two u32 halves):
 *   version u8, type u8, from u32, to u32, term u64, then per type:
 *   vote/preVote         lastIndex u64, lastTerm u64, transfer u8
 *   voteResponse(+pre)   reject u8
 *   append               prevIndex u64, prevTerm u64, commit u64, count u32,
 *                        count × (term u64, index u64, kind u8, length u32, data)
 *   appendResponse       index u64, reject u8, rejectHint u64, hintTerm u64
 *   heartbeat            commit u64
 *   snapshot             index u64, term u64, voters u32 + ids u32…, learners u32 + ids u32…,
 *                        length u32, data
 *   heartbeatResponse, timeoutNow: nothing more
 */
import { assert, fail, unreachable } from '../util/assert.js';
import { membersMax } from './limits.js';
import type { Message, MessageType } from './messages.js';
import type { Entry, EntryKind, Membership, NodeId, Snapshot } from './types.js';

export class PeerDecodeError extends Error {
  override readonly name = 'PeerDecodeError';
  readonly code = 'WARREN_PEER_DECODE';
}

export const codecVersion = 1;

const typeCodes: readonly MessageType[] = [
  'vote',
  'preVote',
  'voteResponse',
  'preVoteResponse',
  'append',
  'appendResponse',
  'heartbeat',
  'heartbeatResponse',
  'snapshot',
  'timeoutNow',
];
const kindCodes: readonly EntryKind[] = ['normal', 'config'];

const u64Bytes = 8;
const headerBytes = 1 + 1 + 4 + 4 + u64Bytes;
const entryHeaderBytes = u64Bytes + u64Bytes + 1 + 4;
/** High half of the largest safe integer (2^53 - 1). */
const safeHighMax = 0x1fffff;

/**
 * Encodes a message; a field out of its wire range is a bug in the caller (asserted).
 * `headroomBytes` are left (zeroed) in front for an outer envelope such as a tag byte, so a
 * large snapshot need not be copied again to prefix it; decode from after them.
 */
export function encodeMessage(m: Message, headroomBytes = 0): Buffer {
  assert(Number.isInteger(headroomBytes) && headroomBytes >= 0, 'codec: bad headroom');
  const out = Buffer.allocUnsafe(headroomBytes + encodedBytes(m));
  out.fill(0, 0, headroomBytes);
  const w = new Writer(out, headroomBytes);
  w.u8(codecVersion);
  w.u8(typeCodes.indexOf(m.type));
  w.u32(m.from);
  w.u32(m.to);
  w.u64(m.term);
  switch (m.type) {
    case 'vote':
    case 'preVote':
      w.u64(m.lastIndex);
      w.u64(m.lastTerm);
      w.bool(m.transfer);
      break;
    case 'voteResponse':
    case 'preVoteResponse':
      w.bool(m.reject);
      break;
    case 'append':
      w.u64(m.prevIndex);
      w.u64(m.prevTerm);
      w.u64(m.commit);
      w.u32(m.entries.length);
      for (const entry of m.entries) writeEntry(w, entry);
      break;
    case 'appendResponse':
      w.u64(m.index);
      w.bool(m.reject);
      w.u64(m.rejectHint);
      w.u64(m.hintTerm);
      break;
    case 'heartbeat':
      w.u64(m.commit);
      break;
    case 'snapshot':
      writeSnapshot(w, m.snapshot);
      break;
    case 'heartbeatResponse':
    case 'timeoutNow':
      break;
    default:
      unreachable(m, 'encodeMessage: unknown message');
  }
  assert(w.offset === out.length, 'encodeMessage: size computed wrongly');
  return out;
}

function encodedBytes(m: Message): number {
  switch (m.type) {
    case 'vote':
    case 'preVote':
      return headerBytes + 2 * u64Bytes + 1;
    case 'voteResponse':
    case 'preVoteResponse':
      return headerBytes + 1;
    case 'append': {
      let bytes = headerBytes + 3 * u64Bytes + 4;
      for (const entry of m.entries) bytes += entryHeaderBytes + entry.data.length;
      return bytes;
    }
    case 'appendResponse':
      return headerBytes + 3 * u64Bytes + 1;
    case 'heartbeat':
      return headerBytes + u64Bytes;
    case 'snapshot': {
      const { membership } = m.snapshot.meta;
      const members = membership.voters.length + membership.learners.length;
      return headerBytes + 2 * u64Bytes + 4 + 4 + 4 * members + 4 + m.snapshot.data.length;
    }
    case 'heartbeatResponse':
    case 'timeoutNow':
      return headerBytes;
    default:
      return unreachable(m, 'encodedBytes: unknown message');
  }
}

function writeEntry(w: Writer, entry: Entry): void {
  w.u64(entry.term);
  w.u64(entry.index);
  w.u8(kindCodes.indexOf(entry.kind));
  w.bytes(entry.data);
}

function writeSnapshot(w: Writer, snapshot: Snapshot): void {
  const { meta } = snapshot;
  w.u64(meta.index);
  w.u64(meta.term);
  w.ids(meta.membership.voters);
  w.ids(meta.membership.learners);
  w.bytes(snapshot.data);
}

class Writer {
  constructor(
    private readonly out: Buffer,
    public offset: number,
  ) {}

  u8(value: number): void {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0xff)) fail(`codec: bad byte ${value}`);
    this.offset = this.out.writeUInt8(value, this.offset);
  }

  bool(value: boolean): void {
    assert(typeof value === 'boolean', 'codec: flag is not a boolean');
    this.u8(value ? 1 : 0);
  }

  u32(value: number): void {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) {
      fail(`codec: bad u32 ${value}`);
    }
    this.offset = this.out.writeUInt32BE(value, this.offset);
  }

  u64(value: number): void {
    if (!(Number.isSafeInteger(value) && value >= 0)) fail(`codec: bad u64 ${value}`);
    this.offset = this.out.writeUInt32BE(Math.floor(value / 2 ** 32), this.offset);
    this.offset = this.out.writeUInt32BE(value % 2 ** 32, this.offset);
  }

  ids(ids: readonly NodeId[]): void {
    this.u32(ids.length);
    for (const id of ids) this.u32(id);
  }

  bytes(data: Buffer): void {
    this.u32(data.length);
    this.offset += data.copy(this.out, this.offset);
  }
}

/**
 * Decodes one whole message. Entry data are copies (they live on in the log and must not pin
 * the receive buffer); snapshot data is a view of `b`, since it may be gigabytes.
 */
export function decodeMessage(b: Buffer): Message {
  const r = new Reader(b);
  const version = r.u8();
  if (version !== codecVersion) throw new PeerDecodeError(`unknown codec version ${version}`);
  const typeCode = r.u8();
  const type = typeCodes[typeCode];
  if (type === undefined) throw new PeerDecodeError(`unknown message type ${typeCode}`);
  const envelope = { from: r.u32(), to: r.u32(), term: r.u64() };
  const message = decodeBody(r, type, envelope);
  if (r.remaining() !== 0) throw new PeerDecodeError(`${r.remaining()} trailing bytes`);
  return message;
}

interface EnvelopeFields {
  from: NodeId;
  to: NodeId;
  term: number;
}

/** Every field spelled out: spreading the envelope made each decode a slow object copy. */
function decodeBody(r: Reader, type: MessageType, e: EnvelopeFields): Message {
  const { from, to, term } = e;
  switch (type) {
    case 'vote':
    case 'preVote': {
      const lastIndex = r.u64();
      const lastTerm = r.u64();
      return { from, to, term, type, lastIndex, lastTerm, transfer: r.bool() };
    }
    case 'voteResponse':
    case 'preVoteResponse':
      return { from, to, term, type, reject: r.bool() };
    case 'append': {
      const prevIndex = r.u64();
      const prevTerm = r.u64();
      const commit = r.u64();
      const count = r.count(entryHeaderBytes);
      const entries: Entry[] = [];
      for (let i = 0; i < count; i++) entries.push(readEntry(r));
      return { from, to, term, type, prevIndex, prevTerm, entries, commit };
    }
    case 'appendResponse': {
      const index = r.u64();
      const reject = r.bool();
      const rejectHint = r.u64();
      return { from, to, term, type, index, reject, rejectHint, hintTerm: r.u64() };
    }
    case 'heartbeat':
      return { from, to, term, type, commit: r.u64() };
    case 'snapshot':
      return { from, to, term, type, snapshot: readSnapshot(r) };
    case 'heartbeatResponse':
    case 'timeoutNow':
      return { from, to, term, type };
    default:
      return unreachable(type, 'decodeBody: unknown type');
  }
}

function readEntry(r: Reader): Entry {
  const term = r.u64();
  const index = r.u64();
  const kindCode = r.u8();
  const kind = kindCodes[kindCode];
  if (kind === undefined) throw new PeerDecodeError(`unknown entry kind ${kindCode}`);
  return { term, index, kind, data: Buffer.from(r.bytes()) };
}

function readSnapshot(r: Reader): Snapshot {
  const index = r.u64();
  const term = r.u64();
  const voters = r.ids();
  const learners = r.ids();
  if (voters.length + learners.length > membersMax) {
    throw new PeerDecodeError(`membership of ${voters.length + learners.length} servers`);
  }
  const membership: Membership = { voters, learners };
  return { meta: { index, term, membership }, data: r.bytes() };
}

class Reader {
  private offset = 0;

  constructor(private readonly b: Buffer) {}

  remaining(): number {
    return this.b.length - this.offset;
  }

  private need(bytes: number): void {
    if (this.remaining() < bytes) {
      throw new PeerDecodeError(`truncated: need ${bytes} bytes at offset ${this.offset}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.b.readUInt8(this.offset++);
  }

  bool(): boolean {
    const value = this.u8();
    if (value > 1) throw new PeerDecodeError(`flag byte ${value} is neither 0 nor 1`);
    return value === 1;
  }

  u32(): number {
    this.need(4);
    const value = this.b.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  u64(): number {
    this.need(u64Bytes);
    const high = this.b.readUInt32BE(this.offset);
    const low = this.b.readUInt32BE(this.offset + 4);
    if (high > safeHighMax) throw new PeerDecodeError(`number at ${this.offset} exceeds 2^53`);
    this.offset += u64Bytes;
    return high * 2 ** 32 + low;
  }

  /** A count of items of at least `itemBytes` each; one the input cannot hold is refused. */
  count(itemBytes: number): number {
    const count = this.u32();
    if (count * itemBytes > this.remaining()) {
      throw new PeerDecodeError(`count ${count} exceeds the remaining ${this.remaining()} bytes`);
    }
    return count;
  }

  ids(): NodeId[] {
    const count = this.count(4);
    const ids: NodeId[] = [];
    for (let i = 0; i < count; i++) ids.push(this.u32());
    return ids;
  }

  /** A length-prefixed byte string, as a view of the input. */
  bytes(): Buffer {
    const length = this.count(1);
    const view = this.b.subarray(this.offset, this.offset + length);
    this.offset += length;
    return view;
  }
}
