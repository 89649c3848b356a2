// Proves that a complete last record that fails its checksum is damage, not a torn write:
// a one-bit flip anywhere in the last, fsynced record (length, checksum or payload) or in a
// complete segment header stops start-up with CorruptLogError naming the file and offset and
// pointing at --repair-log, and leaves the file untouched; with `repair` the damaged records
// are dropped after a warning that says which file, offset, bytes, records and zxids.
// Zero-filled tails stay torn (trailing-zero cases: torn-tail.test.ts).
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeDisk } from '../../../src/storage/disk.js';
import { CorruptLogError, StorageError } from '../../../src/storage/errors.js';
import {
  legacyAsideName,
  legacyPlaces,
  readLegacyAside,
} from '../../../src/storage/legacy-standalone.js';
import { scanSegment } from '../../../src/storage/segment-scan.js';
import { encodeBatch, encodeSegmentHeader } from '../../../src/storage/wal-format.js';
import { logDirectory, recover } from './recover.js';
import {
  CapturingLogger,
  appendInBatches,
  makeRecords,
  makeTempDir,
  plain,
  segmentsOf,
} from './helpers.js';

const records = makeRecords(1, 12);
const lastRecordBytes = 16 + (records[records.length - 1]?.payload.length ?? 0);

async function writeLog(dataDir: string): Promise<{ path: string; bytes: Buffer }> {
  const { wal } = await recover({ dataDir, logger: new CapturingLogger(), segmentBytesMax: 300 });
  await appendInBatches(wal, records, 2);
  await wal.close();
  const segments = await segmentsOf(dataDir);
  const last = segments[segments.length - 1];
  assert.ok(last !== undefined && segments.length >= 2);
  return { path: last.path, bytes: await readFile(last.path) };
}

async function expectRefused(dataDir: string, file: string, offset: number): Promise<void> {
  await assert.rejects(recover({ dataDir, logger: new CapturingLogger() }), (error: unknown) => {
    assert.ok(error instanceof CorruptLogError, String(error));
    assert.ok(error instanceof StorageError, 'a CorruptLogError is a StorageError');
    assert.equal(error.code, 'WARREN_CORRUPT_LOG');
    assert.equal(error.file, file);
    assert.equal(error.offset, offset);
    assert.ok(error.message.includes(`${file} is damaged at byte offset ${offset}`), error.message);
    assert.match(error.message, /--repair-log/);
    return true;
  });
}

void test('a one-bit flip anywhere in the last record refuses start-up', async (t) => {
  const dataDir = await makeTempDir(t);
  const { path, bytes } = await writeLog(dataDir);
  const start = bytes.length - lastRecordBytes;
  // Every byte of the record: the length (higher and lower), the checksum, zxid and payload.
  for (let at = start; at < bytes.length; at++) {
    for (const bit of [0x01, 0x80]) {
      const damaged = Buffer.from(bytes);
      damaged.writeUInt8(damaged.readUInt8(at) ^ bit, at);
      await writeFile(path, damaged);
      await expectRefused(dataDir, path, start);
      assert.deepEqual(await readFile(path), damaged, `the file is left as it was (${at})`);
    }
  }
});

void test('with repair, a damaged last record is dropped after saying what goes', async (t) => {
  const dataDir = await makeTempDir(t);
  const { path, bytes } = await writeLog(dataDir);
  const start = bytes.length - lastRecordBytes;
  const damaged = Buffer.from(bytes);
  damaged.writeUInt8(damaged.readUInt8(bytes.length - 1) ^ 0x04, bytes.length - 1);
  await writeFile(path, damaged);
  const logger = new CapturingLogger();
  const recovered = await recover({ dataDir, logger, segmentBytesMax: 300, repair: true });
  assert.deepEqual(plain(recovered.txns), plain(records.slice(0, -1)));
  assert.equal((await stat(path)).size, start);
  assert.equal(logger.warnings.length, 1);
  const warning = logger.warnings[0];
  assert.ok(warning !== undefined);
  assert.match(warning.message, /--repair-log/);
  assert.deepEqual(
    {
      path: warning.fields['path'],
      offset: warning.fields['offset'],
      droppedBytes: warning.fields['droppedBytes'],
      droppedRecords: warning.fields['droppedRecords'],
      firstDroppedZxid: warning.fields['firstDroppedZxid'],
      lastDroppedZxid: warning.fields['lastDroppedZxid'],
    },
    {
      path,
      offset: start,
      droppedBytes: lastRecordBytes,
      droppedRecords: 1,
      firstDroppedZxid: 12,
      lastDroppedZxid: 12,
    },
  );
  await recovered.wal.append(records.slice(-1));
  await recovered.wal.close();
  assert.deepEqual(await readFile(path), bytes, 'appends continue where the damage began');
});

void test('a complete segment header that fails its checksum is damage', async (t) => {
  const dataDir = await makeTempDir(t);
  const { wal } = await recover({ dataDir, logger: new CapturingLogger() });
  await wal.append(records.slice(0, 5));
  await wal.close();
  const next = join(logDirectory(dataDir), 'log.0000000000000006');
  const header = encodeSegmentHeader(6);
  header.writeUInt8(header.readUInt8(10) ^ 0x01, 10);
  await writeFile(next, header);
  await expectRefused(dataDir, next, 0);
  const logger = new CapturingLogger();
  const repaired = await recover({ dataDir, logger, repair: true });
  await repaired.wal.close();
  assert.deepEqual(plain(repaired.txns), plain(records.slice(0, 5)));
  assert.equal((await segmentsOf(dataDir)).length, 1, 'the damaged segment is removed');
  assert.equal(logger.warnings[0]?.fields['path'], next);
});

void test('zeros are torn wherever no record was completed; a zero length is no record', () => {
  const body = encodeBatch(records.slice(0, 3));
  const segment = Buffer.concat([encodeSegmentHeader(1), body]);
  const options = { file: 'f', firstZxid: 1, isLast: true, repair: false };
  // A crash-extended file: zeros after the last record, or a header never written.
  const zeroTail = scanSegment(Buffer.concat([segment, Buffer.alloc(100)]), options);
  assert.equal(zeroTail.records.length, 3);
  assert.equal(zeroTail.tail?.kind, 'torn');
  const zeroFile = scanSegment(Buffer.alloc(64), options);
  assert.equal(zeroFile.validBytes, 0);
  assert.equal(zeroFile.tail?.kind, 'torn');
  // A zero length followed by anything but zeros was written by no one: damage.
  const junk = Buffer.concat([segment, Buffer.alloc(8), Buffer.from([1, 2, 3])]);
  assert.throws(() => scanSegment(junk, options), CorruptLogError);
});

void test('the 0.1.0 reader refuses the same damage, and leaves a torn tail out', async (t) => {
  const dataDir = await makeTempDir(t);
  const places = legacyPlaces(dataDir, dataDir);
  const aside = join(dataDir, legacyAsideName);
  const { path, bytes } = await writeLog(aside);
  const damaged = Buffer.from(bytes);
  damaged.writeUInt8(damaged.readUInt8(bytes.length - 1) ^ 0x01, bytes.length - 1);
  await writeFile(path, damaged);
  await assert.rejects(readLegacyAside(nodeDisk, places, new CapturingLogger()), (error) => {
    assert.ok(error instanceof CorruptLogError, String(error));
    assert.equal(error.offset, bytes.length - lastRecordBytes);
    assert.doesNotMatch(error.message, /--repair-log/, 'conversion has no repair flag');
    return true;
  });
  await writeFile(path, bytes.subarray(0, bytes.length - 3));
  const logger = new CapturingLogger();
  const contents = await readLegacyAside(nodeDisk, places, logger);
  assert.deepEqual(plain(contents.txns), plain(records.slice(0, -1)));
  assert.equal(logger.warnings[0]?.fields['droppedBytes'], lastRecordBytes - 3);
  assert.equal((await stat(path)).size, bytes.length - 3, 'the 0.1.0 files are only read');
});
