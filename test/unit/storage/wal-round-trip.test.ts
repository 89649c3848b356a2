// Proves that what the WAL acknowledges comes back from recovery exactly: across several
// segments, with group commits of many records, after reopening and appending again, and
// when the log ends before the snapshot it continues from.
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { test } from 'node:test';
import { nodeDisk } from '../../../src/storage/disk.js';
import { FaultyDisk } from '../../../src/storage/faulty-disk.js';
import { recover } from './recover.js';
import { writeSnapshot } from '../../../src/storage/snapshot.js';
import { snapshotDirectory } from './recover.js';
import { segmentHeaderBytes } from '../../../src/storage/wal-format.js';
import {
  CapturingLogger,
  appendInBatches,
  makeRecords,
  makeTempDir,
  plain,
  segmentsOf,
} from './helpers.js';

void test('records round-trip across several segments and reopenings', async (t) => {
  const dataDir = await makeTempDir(t);
  const logger = new CapturingLogger();
  const options = { dataDir, logger, segmentBytesMax: 400 };
  const first = await recover(options);
  assert.equal(first.snapshot, null);
  assert.deepEqual(first.txns, []);
  const records = makeRecords(1, 100);
  await appendInBatches(first.wal, records.slice(0, 60), 3);
  await first.wal.close();

  const second = await recover(options);
  assert.deepEqual(plain(second.txns), plain(records.slice(0, 60)));
  assert.equal(second.wal.lastZxid, 60);
  await appendInBatches(second.wal, records.slice(60), 7);
  await second.wal.close();

  const third = await recover(options);
  assert.deepEqual(plain(third.txns), plain(records));
  await third.wal.close();
  const segments = await segmentsOf(dataDir);
  assert.ok(segments.length >= 5, `expected several segments, got ${segments.length}`);
  assert.equal(segments[0]?.zxid, 1);
  // Each segment rolls only at a batch boundary once it passed the limit.
  for (const segment of segments.slice(0, -1)) {
    const size = (await stat(segment.path)).size;
    assert.ok(size >= 400 && size < 400 + 7 * 80, `segment of ${size} bytes`);
  }
  assert.deepEqual(logger.warnings, []);
});

void test('a group commit of many records is one write and recovers whole', async (t) => {
  const dataDir = await makeTempDir(t);
  const disk = new FaultyDisk(nodeDisk); // no faults armed: it only counts calls
  const { wal } = await recover({ dataDir, disk, logger: new CapturingLogger() });
  const records = makeRecords(1, 5000, 150);
  const before = { ...disk.calls };
  await appendInBatches(wal, records, 1000);
  await wal.close();
  // Five batches: one write and one fdatasync each, plus the new segment's header and
  // directory entry.
  assert.equal(disk.calls.write - before.write, 5 + 1);
  assert.equal(disk.calls.datasync - before.datasync, 5 + 1);
  assert.equal(disk.calls.syncDirectory - before.syncDirectory, 1);
  const again = await recover({ dataDir, logger: new CapturingLogger() });
  assert.deepEqual(plain(again.txns), plain(records));
  assert.equal(again.wal.lastZxid, 5000);
  await again.wal.close();
});

void test('the log goes to dataLogDir when it is given', async (t) => {
  const dataDir = await makeTempDir(t);
  const dataLogDir = await makeTempDir(t);
  const { wal } = await recover({ dataDir, dataLogDir, logger: new CapturingLogger() });
  await wal.append(makeRecords(1, 3));
  await wal.close();
  assert.equal((await segmentsOf(dataDir)).length, 0);
  assert.equal((await segmentsOf(dataLogDir)).length, 1);
  const again = await recover({ dataDir, dataLogDir, logger: new CapturingLogger() });
  assert.deepEqual(plain(again.txns), plain(makeRecords(1, 3)));
  await again.wal.close();
});

void test('a log that ends before the snapshot continues in a new segment', async (t) => {
  const dataDir = await makeTempDir(t);
  const logger = new CapturingLogger();
  const { wal } = await recover({ dataDir, logger });
  await wal.append(makeRecords(1, 5));
  await wal.close();
  // As after a snapshot installed from the leader: state at 20, log only to 5.
  await writeSnapshot(snapshotDirectory(dataDir), 20, [Buffer.from('tree')]);
  const afterInstall = await recover({ dataDir, logger });
  assert.equal(afterInstall.snapshot?.zxid, 20);
  assert.deepEqual(afterInstall.txns, []);
  assert.equal(afterInstall.wal.lastZxid, 20);
  assert.match(logger.warnings[0]?.message ?? '', /ends before the snapshot/);
  await afterInstall.wal.append(makeRecords(21, 4));
  await afterInstall.wal.close();

  const segments = await segmentsOf(dataDir);
  assert.deepEqual(
    segments.map((segment) => segment.zxid),
    [1, 21],
  );
  const again = await recover({ dataDir, logger: new CapturingLogger() });
  assert.deepEqual(plain(again.txns), plain(makeRecords(21, 4)));
  await again.wal.close();
});

void test('a segment is its header followed by exactly the bytes of its records', async (t) => {
  const dataDir = await makeTempDir(t);
  const { wal } = await recover({ dataDir, logger: new CapturingLogger() });
  await wal.append(makeRecords(1, 1));
  await wal.close();
  const [segment] = await segmentsOf(dataDir);
  assert.ok(segment !== undefined);
  // zxid 1 has a 38-byte payload; a record adds length, crc and zxid (16 bytes).
  assert.equal((await stat(segment.path)).size, segmentHeaderBytes + 16 + 38);
});
