/**
 * What a normal Raft entry carries: a prepared txn (whose zxid is the entry's index) or a
 * barrier, each tagged with the server and request id it answers, so the server that took
 * the request from its client replies when it applies the entry. Request ids are 53-bit, with
 * a random per-process prefix, so an entry written for an earlier run of a server never
 * answers a request of the current one. Each entry also carries the leader's tree digest at
 * the index it had applied when it prepared the entry (digest-ledger.ts): every member checks
 * its own digest there when it applies the entry. The empty entry a new leader appends
 * carries nothing. Format 1 (Warren 0.1.0, no digest) is still read.
 *
 * An operator's restore on an ensemble is a run of entries from one leader
 * (restore-assembly.ts): chunks of the uploaded snapshot file, then one commit entry naming
 * how many chunks, the file's size and CRC32C and the tree digest it must load with (or an
 * abort entry, which drops the chunks).
 */
import { DecodeError, JuteReader } from '../protocol/jute-reader.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import type { Txn } from '../tree/txn.js';
import { decodeTxn, encodeTxn } from '../tree/txn-codec.js';

/** The leader's tree digest after index `index` (0: none, as in format 1 entries). */
export interface DigestCheck {
  readonly index: number;
  readonly digest: number;
}

/** What a restore's commit entry names: every member checks the chunks it holds against it. */
export interface RestoreCommit {
  readonly restoreId: number;
  readonly chunks: number;
  readonly imageBytes: number;
  /** CRC32C of the whole snapshot file (the chunks in order). */
  readonly imageCrc: number;
  /** The digest the file's tree has (its header), checked once loaded. */
  readonly treeDigest: number;
}

interface Header {
  origin: number;
  requestId: number;
  check: DigestCheck;
}

export type EntryPayload =
  | (Header & { kind: 'txn'; txn: Txn })
  | (Header & { kind: 'barrier' })
  | (Header & { kind: 'restoreChunk'; restoreId: number; seq: number; bytes: Buffer })
  | (Header & { kind: 'restoreCommit'; commit: RestoreCommit })
  | (Header & { kind: 'restoreAbort'; restoreId: number });

const FORMAT_VERSION = 2;
const KIND = { txn: 1, barrier: 2, restoreChunk: 3, restoreCommit: 4, restoreAbort: 5 } as const;
const headerBytesV1 = 14;
const headerBytes = 30;
export const noCheck: DigestCheck = { index: 0, digest: 0 };

export function encodeEntry(payload: EntryPayload, writer = new JuteWriter(256)): Buffer {
  writer.reset();
  writer.writeByte(FORMAT_VERSION).writeByte(KIND[payload.kind]);
  writer.writeInt(payload.origin).writeLong(payload.requestId);
  writer.writeLong(payload.check.index).writeLong(payload.check.digest);
  if (payload.kind === 'txn') encodeTxn(writer, payload.txn);
  else if (payload.kind !== 'barrier') encodeRestore(writer, payload);
  return writer.toBuffer();
}

function encodeRestore(w: JuteWriter, payload: EntryPayload): void {
  switch (payload.kind) {
    case 'restoreChunk':
      w.writeLong(payload.restoreId).writeInt(payload.seq).writeBuffer(payload.bytes);
      return;
    case 'restoreCommit': {
      const c = payload.commit;
      w.writeLong(c.restoreId).writeInt(c.chunks).writeLong(c.imageBytes);
      w.writeLong(c.imageCrc).writeLong(c.treeDigest);
      return;
    }
    case 'restoreAbort':
      w.writeLong(payload.restoreId);
      return;
    default:
      return;
  }
}

/** The body of a restore entry (kind 3, 4 or 5), the header already read. */
function decodeRestore(r: JuteReader, kind: number, header: Header): EntryPayload {
  let payload: EntryPayload;
  if (kind === KIND.restoreChunk) {
    const restoreId = r.readLong();
    const seq = r.readInt();
    const bytes = r.readBuffer();
    if (bytes === null) throw new DecodeError('a restore chunk without bytes');
    payload = { ...header, kind: 'restoreChunk', restoreId, seq, bytes };
  } else if (kind === KIND.restoreCommit) {
    const restoreId = r.readLong();
    const chunks = r.readInt();
    const imageBytes = r.readLong();
    const commit = { restoreId, chunks, imageBytes, imageCrc: r.readLong() };
    payload = { ...header, kind: 'restoreCommit', commit: { ...commit, treeDigest: r.readLong() } };
  } else {
    payload = { ...header, kind: 'restoreAbort', restoreId: r.readLong() };
  }
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} stray bytes after a restore entry`);
  return payload;
}

/** Null for the leader's empty entry. Throws DecodeError on damage (a bug or a bad disk). */
export function decodeEntry(data: Buffer): EntryPayload | null {
  if (data.length === 0) return null;
  if (data.length < headerBytesV1) throw new DecodeError(`entry of ${data.length} bytes`);
  const r = new JuteReader(data);
  const version = r.readByte();
  if (version !== 1 && version !== FORMAT_VERSION) {
    throw new DecodeError(`unknown entry format ${version}`);
  }
  const kind = r.readByte();
  const origin = r.readInt();
  const requestId = r.readLong();
  let check = noCheck;
  if (version >= 2) {
    if (data.length < headerBytes) throw new DecodeError(`entry of ${data.length} bytes`);
    check = { index: r.readLong(), digest: r.readLong() };
  }
  const end = version >= 2 ? headerBytes : headerBytesV1;
  if (kind === KIND.barrier) {
    if (data.length !== end) throw new DecodeError('stray bytes after a barrier');
    return { kind: 'barrier', origin, requestId, check };
  }
  if (kind >= KIND.restoreChunk && kind <= KIND.restoreAbort && version >= 2) {
    return decodeRestore(r, kind, { origin, requestId, check });
  }
  if (kind !== KIND.txn) throw new DecodeError(`unknown entry kind ${kind}`);
  return { kind: 'txn', origin, requestId, check, txn: decodeTxn(data.subarray(end)) };
}
