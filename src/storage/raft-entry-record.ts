/**
 * A Raft entry as a WAL record: the record's zxid is the entry's index, and its payload is
 * `u64 term | u8 kind (0 normal, 1 config) | data`. The WAL checksums the record, so a payload
 * that does not parse is not damage but a file from something else (e.g. a standalone log).
 */
import type { StoredEntry as Entry, StoredEntryKind as EntryKind } from './raft-types.js';
import { StorageError } from './errors.js';
import { readUint53, writeUint53, type LogRecord } from './wal-format.js';

const headerBytes = 9;
const kinds: readonly EntryKind[] = ['normal', 'config'];

/** The header of the last term seen, per kind: every entry of a term shares it. */
const prefixes: { term: number; prefix: Buffer }[] = kinds.map(() => ({
  term: -1,
  prefix: Buffer.alloc(0),
}));

function prefixOf(term: number, kind: EntryKind): Buffer {
  const kindCode = kind === 'normal' ? 0 : 1;
  const last = prefixes[kindCode] as { term: number; prefix: Buffer };
  if (last.term !== term) {
    const prefix = Buffer.alloc(headerBytes);
    writeUint53(prefix, term, 0);
    prefix.writeUInt8(kindCode, 8);
    last.term = term;
    last.prefix = prefix;
  }
  return last.prefix;
}

export function entryToRecord(entry: Entry): LogRecord {
  return { zxid: entry.index, prefix: prefixOf(entry.term, entry.kind), payload: entry.data };
}

/** The entry in a record read back from `directory`; its data is a view of the payload. */
export function recordToEntry(record: LogRecord, directory: string): Entry {
  const { zxid, payload } = record;
  const kind = payload.length >= headerBytes ? kinds[payload.readUInt8(8)] : undefined;
  const term = payload.length >= headerBytes ? readUint53(payload, 0) : -1;
  if (kind === undefined || term < 0) {
    throw new StorageError(
      'WARREN_STORAGE_VERSION',
      `the record for index ${zxid} in ${directory} is not a Raft entry; this directory holds ` +
        'a log Warren cannot read in ensemble mode (a standalone log or a newer format?).',
    );
  }
  return { index: zxid, term, kind, data: payload.subarray(headerBytes) };
}
