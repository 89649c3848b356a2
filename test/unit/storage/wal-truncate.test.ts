// Proves Wal.truncateFrom, which drops a log suffix a new Raft leader overwrote: the records
// from the cut on are gone after a restart, appends continue at the cut (also when it falls on
// a segment's first record, at the very first record, or nowhere), a fault or crash midway
// leaves a dense prefix that recovery accepts, and misuse is an assert.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeDisk } from '../../../src/storage/disk.js';
import { StorageError } from '../../../src/storage/errors.js';
import { FaultyDisk } from '../../../src/storage/faulty-disk.js';
import { recover } from './recover.js';
import type { LogRecord } from '../../../src/storage/wal-format.js';
import { AssertionError } from '../../../src/util/assert.js';
import {
  CapturingLogger,
  appendInBatches,
  makeRecords,
  makeTempDir,
  plain,
  segmentsOf,
} from './helpers.js';

const segmentBytesMax = 300;

/** Records from..from+count-1 whose payloads differ from makeRecords' (a new leader's). */
function replacement(from: number, count: number): LogRecord[] {
  return makeRecords(from, count).map((record) => ({
    zxid: record.zxid,
    payload: Buffer.concat([Buffer.from('new'), record.payload]),
  }));
}

async function writeLog(dataDir: string, disk = nodeDisk) {
  const logger = new CapturingLogger();
  const { wal } = await recover({ dataDir, disk, logger, segmentBytesMax });
  await appendInBatches(wal, makeRecords(1, 30), 3);
  const segments = await segmentsOf(dataDir);
  assert.ok(segments.length >= 4, 'the fixture needs several segments');
  return { wal, segments, logger };
}

async function reread(dataDir: string) {
  const logger = new CapturingLogger();
  const recovered = await recover({ dataDir, logger, segmentBytesMax });
  await recovered.wal.close();
  return { txns: recovered.txns, logger };
}

void test('truncating mid-segment drops the suffix and appends continue there', async (t) => {
  const dataDir = await makeTempDir(t);
  const { wal, segments } = await writeLog(dataDir);
  const holder = segments[1];
  assert.ok(holder !== undefined);
  const cut = holder.zxid + 1;
  await wal.truncateFrom(cut);
  assert.equal(wal.lastZxid, cut - 1);
  const after = await segmentsOf(dataDir);
  assert.deepEqual(after, segments.slice(0, 2), 'later segments are removed');
  await wal.append(replacement(cut, 5));
  await wal.close();

  const { txns, logger } = await reread(dataDir);
  assert.deepEqual(plain(txns), plain([...makeRecords(1, cut - 1), ...replacement(cut, 5)]));
  assert.deepEqual(logger.warnings, []);
});

void test("truncating at a segment's first record removes that segment too", async (t) => {
  const dataDir = await makeTempDir(t);
  const { wal, segments } = await writeLog(dataDir);
  const holder = segments[2];
  assert.ok(holder !== undefined);
  await wal.truncateFrom(holder.zxid);
  assert.deepEqual(await segmentsOf(dataDir), segments.slice(0, 2));
  await wal.append(replacement(holder.zxid, 2));
  await wal.close();
  const { txns } = await reread(dataDir);
  const expected = [...makeRecords(1, holder.zxid - 1), ...replacement(holder.zxid, 2)];
  assert.deepEqual(plain(txns), plain(expected));
});

void test('truncating at the next zxid changes nothing; at the first drops everything', async (t) => {
  const dataDir = await makeTempDir(t);
  const { wal } = await writeLog(dataDir);
  await wal.truncateFrom(31);
  assert.equal(wal.lastZxid, 30);
  await wal.truncateFrom(1);
  assert.equal(wal.lastZxid, 0);
  assert.deepEqual(await segmentsOf(dataDir), []);
  await wal.append(replacement(1, 3));
  await wal.truncateFrom(3); // again, inside the segment just created
  await wal.append(replacement(3, 1));
  await wal.close();
  const { txns } = await reread(dataDir);
  assert.deepEqual(plain(txns), plain(replacement(1, 3)));
});

void test('a failed cut leaves a dense prefix, stops the log, and recovery accepts it', async (t) => {
  const dataDir = await makeTempDir(t);
  const disk = new FaultyDisk(nodeDisk);
  const { wal, segments } = await writeLog(dataDir, disk);
  const holder = segments[1];
  const next = segments[2];
  assert.ok(holder !== undefined && next !== undefined);
  // Later segments are removed, then the cut itself fails: what a crash there would leave.
  disk.inject({ operation: 'truncate', code: 'EIO', times: 1 });
  await assert.rejects(wal.truncateFrom(holder.zxid + 1), /EIO/);
  assert.ok(wal.failure instanceof StorageError);
  assert.equal(await wal.tryRecover(), false, 'a failed truncation is final');
  await assert.rejects(wal.append(replacement(holder.zxid + 1, 1)), StorageError);
  await wal.close();

  const { txns, logger } = await reread(dataDir);
  assert.deepEqual(plain(txns), plain(makeRecords(1, next.zxid - 1)));
  assert.deepEqual(logger.warnings, []);
});

void test('a failed directory fsync stops the log before anything is cut', async (t) => {
  const dataDir = await makeTempDir(t);
  const disk = new FaultyDisk(nodeDisk);
  const { wal, segments } = await writeLog(dataDir, disk);
  const holder = segments[1];
  assert.ok(holder !== undefined);
  disk.inject({ operation: 'syncDirectory', code: 'EIO', times: 1 });
  await assert.rejects(wal.truncateFrom(holder.zxid + 1), (error: unknown) => {
    assert.ok(error instanceof StorageError);
    assert.equal(error.code, 'WARREN_STORAGE_FSYNC');
    return true;
  });
  assert.equal(disk.calls.truncate, 0, 'the holder is not cut after a failed fsync');
  await wal.close();
  const { txns } = await reread(dataDir);
  assert.ok(txns.length >= holder.zxid, 'a prefix through the holder survives');
  assert.deepEqual(plain(txns), plain(makeRecords(1, txns.length)));
});

void test('misuse is an assert: past the end, or while an append runs', async (t) => {
  const dataDir = await makeTempDir(t);
  const { wal } = await writeLog(dataDir);
  await assert.rejects(wal.truncateFrom(32), AssertionError);
  await assert.rejects(wal.truncateFrom(0), AssertionError);
  const appending = wal.append(makeRecords(31, 1));
  await assert.rejects(wal.truncateFrom(5), AssertionError);
  await appending;
  await wal.close();
});
