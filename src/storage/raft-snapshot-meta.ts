/**
 * The first record of every Raft snapshot file: the index and term it covers and the
 * membership in force there. The records after it are the state machine's, opaque here. The
 * snapshot file already checksums each record, so this record has no checksum of its own.
 *
 *   "WRNRSM" | u16 version=1 | u64 index | u64 term | u32 voters | u32 id... | u32 learners |
 *   u32 id...
 */
import { membersMax } from '../util/limits.js';
import type { StoredSnapshotMeta as SnapshotMeta } from './raft-types.js';
import { assert } from '../util/assert.js';
import { readUint53, writeUint53 } from './wal-format.js';

const magic = Buffer.from('WRNRSM', 'latin1');
const formatVersion = 1;
const fixedBytes = 24;

export function encodeSnapshotMeta(meta: SnapshotMeta): Buffer {
  const { voters, learners } = meta.membership;
  assert(voters.length + learners.length <= membersMax, 'snapshot meta: too many members');
  const bytes = Buffer.alloc(fixedBytes + 8 + 4 * (voters.length + learners.length));
  magic.copy(bytes, 0);
  bytes.writeUInt16BE(formatVersion, 6);
  writeUint53(bytes, meta.index, 8);
  writeUint53(bytes, meta.term, 16);
  let offset = fixedBytes;
  for (const ids of [voters, learners]) {
    bytes.writeUInt32BE(ids.length, offset);
    offset += 4;
    for (const id of ids) {
      bytes.writeUInt32BE(id, offset);
      offset += 4;
    }
  }
  return bytes;
}

/** The meta in `record`, or a sentence saying why it is not a valid meta record. */
export function decodeSnapshotMeta(record: Buffer): SnapshotMeta | string {
  if (record.length < fixedBytes + 8) return `meta record of ${record.length} bytes is too short`;
  if (!record.subarray(0, 6).equals(magic)) return 'first record has no WRNRSM magic';
  const version = record.readUInt16BE(6);
  if (version !== formatVersion) return `meta record has unknown version ${version}`;
  const index = readUint53(record, 8);
  const term = readUint53(record, 16);
  if (index < 0 || term < 0) return 'meta index or term out of range';
  const voters = readIds(record, fixedBytes);
  if (typeof voters === 'string') return voters;
  const learnersAt = fixedBytes + 4 + 4 * voters.length;
  const learners = readIds(record, learnersAt);
  if (typeof learners === 'string') return learners;
  if (learnersAt + 4 + 4 * learners.length !== record.length) return 'meta record has extra bytes';
  if (voters.length + learners.length > membersMax) return 'meta lists too many members';
  return { index, term, membership: { voters, learners } };
}

function readIds(record: Buffer, offset: number): number[] | string {
  if (offset + 4 > record.length) return 'meta record ends inside the member list';
  const count = record.readUInt32BE(offset);
  if (count > membersMax || offset + 4 + 4 * count > record.length) {
    return `meta member count ${count} is impossible`;
  }
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push(record.readUInt32BE(offset + 4 + 4 * i));
  return ids;
}
