// Proves that damage which may touch committed records stops start-up with CorruptLogError
// naming the file and byte offset, instead of being cut off like a torn tail: a bad record
// with a valid one after it, damage in a segment that is not the last, zxids that skip or
// step back, a missing segment, and a log that starts after the snapshot.
import assert from 'node:assert/strict';
import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CorruptLogError } from '../../../src/storage/errors.js';
import { logDirectory, snapshotDirectory } from './recover.js';
import { recover } from './recover.js';
import { writeSnapshot } from '../../../src/storage/snapshot.js';
import {
  encodeBatch,
  encodeSegmentHeader,
  segmentHeaderBytes,
} from '../../../src/storage/wal-format.js';
import {
  CapturingLogger,
  appendInBatches,
  makeRecords,
  makeTempDir,
  segmentsOf,
} from './helpers.js';

const records = makeRecords(1, 30);

/** Writes the 30 records in batches of 2 into segments of about 300 bytes. */
async function writeLog(dataDir: string) {
  const { wal } = await recover({ dataDir, logger: new CapturingLogger(), segmentBytesMax: 300 });
  await appendInBatches(wal, records, 2);
  await wal.close();
  const segments = await segmentsOf(dataDir);
  assert.ok(segments.length >= 3, 'the fixture needs at least three segments');
  return segments;
}

/** Offset of the record for `zxid` in a segment starting at `firstZxid`. */
function offsetOf(firstZxid: number, zxid: number): number {
  let offset = segmentHeaderBytes;
  for (const record of records.slice(firstZxid - 1, zxid - 1)) offset += 16 + record.payload.length;
  return offset;
}

async function expectCorrupt(dataDir: string, file: string, offset: number): Promise<void> {
  await assert.rejects(recover({ dataDir, logger: new CapturingLogger() }), (error: unknown) => {
    assert.ok(error instanceof CorruptLogError, String(error));
    assert.equal(error.code, 'WARREN_CORRUPT_LOG');
    assert.equal(error.file, file);
    assert.equal(error.offset, offset);
    assert.ok(error.message.includes(file), error.message);
    assert.ok(error.message.includes(`offset ${offset}`), error.message);
    assert.match(error.message, /restore .* from a replica or a backup/);
    return true;
  });
}

async function flipByte(path: string, offset: number): Promise<void> {
  const bytes = await readFile(path);
  bytes.writeUInt8(bytes.readUInt8(offset) ^ 0x01, offset);
  await writeFile(path, bytes);
}

void test('a damaged middle record of the last segment is corruption, not a torn tail', async (t) => {
  for (const where of ['payload', 'length', 'checksum'] as const) {
    const dataDir = await makeTempDir(t);
    const segments = await writeLog(dataDir);
    const last = segments[segments.length - 1];
    assert.ok(last !== undefined);
    const start = offsetOf(last.zxid, last.zxid + 1);
    const delta = { payload: 20, length: 3, checksum: 5 }[where];
    await flipByte(last.path, start + delta);
    await expectCorrupt(dataDir, last.path, start);
  }
});

void test('any damage in a segment that is not the last is corruption', async (t) => {
  const dataDir = await makeTempDir(t);
  const segments = await writeLog(dataDir);
  const middle = segments[1];
  const next = segments[2];
  assert.ok(middle !== undefined && next !== undefined);
  const lastRecord = offsetOf(middle.zxid, next.zxid - 1);
  const original = await readFile(middle.path);
  await flipByte(middle.path, original.length - 1);
  await expectCorrupt(dataDir, middle.path, lastRecord);
  await truncate(middle.path, original.length - 3);
  await expectCorrupt(dataDir, middle.path, lastRecord);
  await writeFile(middle.path, Buffer.concat([original, Buffer.alloc(8)]));
  await expectCorrupt(dataDir, middle.path, original.length);
  await flipByte(middle.path, 9);
  await expectCorrupt(dataDir, middle.path, 0);
});

void test('a missing middle segment is a gap in the zxids', async (t) => {
  const dataDir = await makeTempDir(t);
  const segments = await writeLog(dataDir);
  const [, middle, next] = segments;
  assert.ok(middle !== undefined && next !== undefined);
  await rm(middle.path);
  await expectCorrupt(dataDir, next.path, 0);
});

void test('zxids that skip or step back inside a segment are corruption', async (t) => {
  for (const zxids of [
    [1, 2, 4],
    [1, 2, 2, 3],
    [1, 3, 2],
  ]) {
    const dataDir = await makeTempDir(t);
    const logDir = logDirectory(dataDir);
    const { wal } = await recover({ dataDir, logger: new CapturingLogger() });
    await wal.close();
    const body = zxids.map((zxid) => encodeBatch([{ zxid, payload: Buffer.from('txn') }]));
    const path = join(logDir, 'log.0000000000000001');
    await writeFile(path, Buffer.concat([encodeSegmentHeader(1), ...body]));
    const bad = zxids.findIndex((zxid, index) => zxid !== index + 1);
    await expectCorrupt(dataDir, path, segmentHeaderBytes + bad * (16 + 3));
  }
});

void test('a segment whose header disagrees with its name is corruption', async (t) => {
  const dataDir = await makeTempDir(t);
  const logDir = logDirectory(dataDir);
  const { wal } = await recover({ dataDir, logger: new CapturingLogger() });
  await wal.close();
  const path = join(logDir, 'log.0000000000000001');
  const body = encodeBatch([{ zxid: 1, payload: Buffer.from('txn') }]);
  await writeFile(path, Buffer.concat([encodeSegmentHeader(2), body]));
  await expectCorrupt(dataDir, path, 0);
});

void test('a log that starts after the snapshot is missing records', async (t) => {
  const dataDir = await makeTempDir(t);
  const segments = await writeLog(dataDir);
  const [first, second] = segments;
  assert.ok(first !== undefined && second !== undefined);
  await rm(first.path);
  // No snapshot: replay must start at zxid 1.
  await expectCorrupt(dataDir, second.path, 0);
  // A snapshot just before the second segment closes the gap.
  const snapshots = snapshotDirectory(dataDir);
  await writeSnapshot(snapshots, second.zxid - 2, []);
  await expectCorrupt(dataDir, second.path, 0);
  await writeSnapshot(snapshots, second.zxid - 1, []);
  const recovered = await recover({ dataDir, logger: new CapturingLogger() });
  assert.equal(recovered.txns[0]?.zxid, second.zxid);
  assert.equal(recovered.wal.lastZxid, 30);
  await recovered.wal.close();
});
