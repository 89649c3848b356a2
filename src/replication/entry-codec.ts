/**
 * What a normal Raft entry carries in an ensemble: a prepared txn (whose zxid is the entry's
 * index) or a barrier, each tagged with the server and request id it answers, so the server
 * that took the request from its client replies when it applies the entry. Request ids are
 * 53-bit, with a random per-process prefix, so an entry written for an earlier run of a
 * server never answers a request of the current one. The empty entry a
 * new leader appends carries nothing.
 */
import { DecodeError, JuteReader } from '../protocol/jute-reader.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import type { Txn } from '../tree/txn.js';
import { decodeTxn, encodeTxn } from '../tree/txn-codec.js';

export type EntryPayload =
  | { kind: 'txn'; origin: number; requestId: number; txn: Txn }
  | { kind: 'barrier'; origin: number; requestId: number };

const FORMAT_VERSION = 1;
const KIND = { txn: 1, barrier: 2 } as const;
const headerBytes = 14;

export function encodeEntry(payload: EntryPayload, writer = new JuteWriter(256)): Buffer {
  writer.reset();
  writer.writeByte(FORMAT_VERSION).writeByte(KIND[payload.kind]);
  writer.writeInt(payload.origin).writeLong(payload.requestId);
  if (payload.kind === 'txn') encodeTxn(writer, payload.txn);
  return writer.toBuffer();
}

/** Null for the leader's empty entry. Throws DecodeError on damage (a bug or a bad disk). */
export function decodeEntry(data: Buffer): EntryPayload | null {
  if (data.length === 0) return null;
  if (data.length < headerBytes) throw new DecodeError(`entry of ${data.length} bytes`);
  const r = new JuteReader(data);
  const version = r.readByte();
  if (version !== FORMAT_VERSION) throw new DecodeError(`unknown entry format ${version}`);
  const kind = r.readByte();
  const origin = r.readInt();
  const requestId = r.readLong();
  if (kind === KIND.barrier) {
    if (data.length !== headerBytes) throw new DecodeError('stray bytes after a barrier');
    return { kind: 'barrier', origin, requestId };
  }
  if (kind !== KIND.txn) throw new DecodeError(`unknown entry kind ${kind}`);
  return { kind: 'txn', origin, requestId, txn: decodeTxn(data.subarray(headerBytes)) };
}
