// Proves that the streaming snapshot reader (storage/snapshot-stream.ts) hands on exactly the
// records written, at their offsets, however the file is cut into chunks: every split point of
// a small file, fast-check's random chunkings, and files read at every chunk size with the read
// ahead. Damage is refused as the whole-file reader refused it, naming file and offset: every
// flipped byte (the offset of the record it hit), every cut, a file that shrinks while read.
// The file is never closed while a read is in flight, even when the consumer throws.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { nodeDisk, type Disk, type DiskFile } from '../../../src/storage/disk.js';
import { CorruptSnapshotError } from '../../../src/storage/errors.js';
import { encodeSnapshotBytes } from '../../../src/storage/snapshot.js';
import {
  SnapshotParser,
  streamSnapshot,
  type SnapshotRecordSink,
} from '../../../src/storage/snapshot-stream.js';
import { makeTempDir } from './helpers.js';

const headerBytes = 20;
const recordHeaderBytes = 8;

interface Seen {
  records: Buffer[];
  offsets: number[];
  zxid: number | null;
}

function collecting(): { sink: SnapshotRecordSink; seen: Seen } {
  const seen: Seen = { records: [], offsets: [], zxid: null };
  const sink: SnapshotRecordSink = {
    header: (zxid) => {
      seen.zxid = zxid;
    },
    record: (bytes, offset) => {
      // A view valid only during the call: copied, as every consumer must.
      seen.records.push(Buffer.from(bytes));
      seen.offsets.push(offset);
    },
  };
  return { sink, seen };
}

/** Where each record's header starts in a file of `records`. */
function offsetsOf(records: Buffer[]): number[] {
  let at = headerBytes;
  return records.map((record) => {
    const offset = at;
    at += recordHeaderBytes + record.length;
    return offset;
  });
}

function parserFor(bytes: Buffer, sink: SnapshotRecordSink): SnapshotParser {
  return new SnapshotParser(bytes.length, sink, {
    label: 'test-snapshot',
    nameZxid: null,
    unknownVersion: (version) => new Error(`version ${version}`),
  });
}

/** Pushes `bytes` cut at `cuts` (ascending offsets) and returns what the sink saw. */
function parseInPieces(bytes: Buffer, cuts: number[]): Seen {
  const { sink, seen } = collecting();
  const parser = parserFor(bytes, sink);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.push(bytes.subarray(from, cut));
    from = cut;
  }
  assert.equal(parser.end().records, seen.records.length);
  return seen;
}

function assertSame(seen: Seen, records: Buffer[], zxid: number, what: string): void {
  assert.equal(seen.zxid, zxid, what);
  assert.equal(seen.records.length, records.length, what);
  records.forEach((record, i) => assert.ok(record.equals(seen.records[i] as Buffer), what));
  assert.deepEqual(seen.offsets, offsetsOf(records), what);
}

const smallRecords = [
  Buffer.from('meta'),
  Buffer.alloc(0),
  Buffer.from('a record of some length, split everywhere'),
  Buffer.alloc(0),
  Buffer.alloc(300, 0x5a),
  Buffer.from('z'),
];

void test('a small snapshot parses the same when split in two at every byte', () => {
  const bytes = encodeSnapshotBytes(77, smallRecords);
  for (let cut = 0; cut <= bytes.length; cut++) {
    assertSame(parseInPieces(bytes, [cut]), smallRecords, 77, `split at ${cut}`);
  }
  const byteByByte = Array.from({ length: bytes.length }, (_, i) => i);
  assertSame(parseInPieces(bytes, byteByByte), smallRecords, 77, 'one byte at a time');
});

void test('any chunking of any snapshot yields its records at their offsets', () => {
  const recordArb = fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a));
  fc.assert(
    fc.property(
      fc.array(recordArb, { maxLength: 12 }),
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 }),
      (records, zxid, fractions) => {
        const bytes = encodeSnapshotBytes(zxid, records);
        const cuts = fractions.map((f) => Math.floor(f * bytes.length)).sort((a, b) => a - b);
        assertSame(parseInPieces(bytes, cuts), records, zxid, `cuts ${cuts.join(',')}`);
      },
    ),
    { numRuns: 500 },
  );
});

void test('a file streams the same at every chunk size, the next read already under way', async (t) => {
  const dir = await makeTempDir(t);
  const records = [...smallRecords, Buffer.alloc(5000, 0x11), Buffer.from('after the big one')];
  const path = join(dir, 'snapshot.000000000000000c');
  const bytes = encodeSnapshotBytes(12, records);
  await writeFile(path, bytes);
  for (const chunkBytes of [1, 2, 3, 7, 8, 20, 64, 333, 4096, bytes.length - 1, bytes.length]) {
    const { sink, seen } = collecting();
    const summary = await streamSnapshot(path, nodeDisk, sink, chunkBytes);
    assert.deepEqual(summary, { zxid: 12, records: records.length });
    assertSame(seen, records, 12, `chunks of ${chunkBytes}`);
  }
});

/** The offset of the record whose bytes (header or body) hold file byte `at`, if any. */
function recordHolding(records: Buffer[], at: number): number | null {
  const offsets = offsetsOf(records);
  for (let i = 0; i < records.length; i++) {
    const start = offsets[i] as number;
    if (at >= start && at < start + recordHeaderBytes + (records[i] as Buffer).length) return start;
  }
  return null;
}

void test('every flipped byte is refused, naming the file and the offset of the damage', async (t) => {
  const dir = await makeTempDir(t);
  const path = join(dir, 'snapshot.0000000000000007');
  const records = [Buffer.from('first'), Buffer.alloc(40, 0x33), Buffer.from('last')];
  const bytes = encodeSnapshotBytes(7, records);
  for (let at = 0; at < bytes.length; at++) {
    const damaged = Buffer.from(bytes);
    damaged.writeUInt8(damaged.readUInt8(at) ^ 0x10, at);
    await writeFile(path, damaged);
    const { sink } = collecting();
    await assert.rejects(streamSnapshot(path, nodeDisk, sink, 9), (error: unknown) => {
      assert.ok(error instanceof CorruptSnapshotError, `flip at ${at}: ${String(error)}`);
      assert.equal(error.file, path);
      assert.ok(error.message.includes(path), error.message);
      assert.notEqual(error.offset, null, `flip at ${at}: ${error.message}`);
      assert.ok(error.message.includes(`at byte offset ${error.offset}`), error.message);
      const record = recordHolding(records, at);
      // A flip in a record's body or checksum names that record; in its length field, that
      // record (an impossible length) or a later place the wrong length points to.
      if (record !== null && at >= record + 4) assert.equal(error.offset, record, `flip at ${at}`);
      if (record !== null) assert.ok((error.offset as number) >= record, `flip at ${at}`);
      return true;
    });
  }
});

void test('every cut of a file is refused, with the offset where it breaks off', async (t) => {
  const dir = await makeTempDir(t);
  const path = join(dir, 'snapshot.0000000000000007');
  const bytes = encodeSnapshotBytes(7, smallRecords);
  for (let cut = 0; cut < bytes.length; cut++) {
    await writeFile(path, bytes.subarray(0, cut));
    const { sink } = collecting();
    await assert.rejects(streamSnapshot(path, nodeDisk, sink, 16), (error: unknown) => {
      assert.ok(error instanceof CorruptSnapshotError, `cut at ${cut}`);
      assert.ok(error.message.includes(path), error.message);
      // Too short for a header and a trailer: the size alone says so.
      if (cut >= headerBytes + 16) assert.notEqual(error.offset, null, error.message);
      if (error.offset !== null) assert.ok(error.offset <= cut, `${cut}: ${error.message}`);
      return true;
    });
  }
  await writeFile(path, Buffer.concat([bytes, Buffer.alloc(1)]));
  await assert.rejects(streamSnapshot(path, nodeDisk, collecting().sink), CorruptSnapshotError);
});

/** A disk whose files report `size` but hold only `holds` bytes, and that checks closes. */
class ShrinkingDisk {
  readsInFlight = 0;
  closedUnderRead = false;
  closes = 0;

  constructor(private readonly holds: number | null) {}

  wrap(): Disk {
    return { ...nodeDisk, open: async (path, mode) => this.file(await nodeDisk.open(path, mode)) };
  }

  private file(inner: DiskFile): DiskFile {
    return {
      writeAll: (buffer, position) => inner.writeAll(buffer, position),
      datasync: () => inner.datasync(),
      truncate: (length) => inner.truncate(length),
      read: async (buffer, offset, length, position) => {
        this.readsInFlight += 1;
        try {
          await new Promise((resolve) => setTimeout(resolve, 1));
          const holds = this.holds;
          const allowed = holds === null ? length : Math.max(0, Math.min(length, holds - position));
          return allowed === 0 ? 0 : await inner.read(buffer, offset, allowed, position);
        } finally {
          this.readsInFlight -= 1;
        }
      },
      size: () => inner.size(),
      close: async () => {
        if (this.readsInFlight > 0) this.closedUnderRead = true;
        this.closes += 1;
        await inner.close();
      },
    };
  }
}

void test('a file that shrinks while it is read is damage at the offset where it ends', async (t) => {
  const dir = await makeTempDir(t);
  const path = join(dir, 'snapshot.0000000000000007');
  await writeFile(path, encodeSnapshotBytes(7, smallRecords));
  const disk = new ShrinkingDisk(100);
  await assert.rejects(streamSnapshot(path, disk.wrap(), collecting().sink, 32), (error) => {
    assert.ok(error instanceof CorruptSnapshotError);
    assert.equal(error.offset, 100);
    assert.match(error.message, /shrank while being read/);
    return true;
  });
  assert.equal(disk.closes, 1);
  assert.equal(disk.closedUnderRead, false);
});

void test('a consumer that throws stops the read; the file closes after the read ahead', async (t) => {
  const dir = await makeTempDir(t);
  const path = join(dir, 'snapshot.0000000000000007');
  await writeFile(path, encodeSnapshotBytes(7, smallRecords));
  const disk = new ShrinkingDisk(null);
  const sink: SnapshotRecordSink = {
    record: (_bytes, offset) => {
      if (offset > headerBytes) throw new Error(`the consumer refuses offset ${offset}`);
    },
  };
  await assert.rejects(streamSnapshot(path, disk.wrap(), sink, 16), /consumer refuses/);
  assert.equal(disk.closes, 1);
  assert.equal(disk.closedUnderRead, false, 'never closed with a read in flight');
});
