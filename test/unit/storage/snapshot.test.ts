// Proves that a snapshot reads back exactly what was written (from sync or async producers,
// with records larger than the write buffer), that any flipped byte or cut anywhere in the
// file is caught as CorruptSnapshotError, that a failed write leaves nothing behind, and that
// recovery falls back to an older snapshot (plus more log) when the newest is damaged.
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeDisk } from '../../../src/storage/disk.js';
import { CorruptSnapshotError, StorageError } from '../../../src/storage/errors.js';
import { FaultyDisk } from '../../../src/storage/faulty-disk.js';
import { snapshotDirectory } from './recover.js';
import { snapshotFlushBytes } from '../../../src/storage/limits.js';
import { recover } from './recover.js';
import { listSnapshots, readSnapshot, writeSnapshot } from '../../../src/storage/snapshot.js';
import { CapturingLogger, appendInBatches, makeRecords, makeTempDir, plain } from './helpers.js';

function hex(records: Buffer[]): string[] {
  return records.map((record) => record.toString('hex'));
}

function assertSameRecords(actual: Buffer[], expected: Buffer[]): void {
  assert.equal(actual.length, expected.length);
  expected.forEach((record, index) => {
    assert.ok(record.equals(actual[index] ?? Buffer.alloc(0)), `record ${index} differs`);
  });
}

void test('a snapshot round-trips from sync and async producers', async (t) => {
  const dir = await makeTempDir(t);
  const big = Buffer.alloc(snapshotFlushBytes * 2 + 13, 0xab);
  const records = [Buffer.from('root'), Buffer.alloc(0), big, Buffer.from('after big')];
  for (let i = 0; i < 10_000; i++) records.push(Buffer.from(`/node-${i}:${'x'.repeat(i % 90)}`));
  const path = await writeSnapshot(dir, 42, records);
  assert.equal(path, join(dir, 'snapshot.000000000000002a'));
  const read = await readSnapshot(path);
  assert.equal(read.zxid, 42);
  assertSameRecords(read.records, records);

  async function* produce(): AsyncGenerator<Buffer> {
    for (const record of records) {
      yield record;
      await Promise.resolve();
    }
  }
  const fromAsync = await readSnapshot(await writeSnapshot(dir, 43, produce()));
  assertSameRecords(fromAsync.records, records);

  const empty = await readSnapshot(await writeSnapshot(dir, 0, []));
  assert.deepEqual(empty, { zxid: 0, records: [] });
  assert.deepEqual(
    (await listSnapshots(dir)).map((file) => file.zxid),
    [43, 42, 0],
  );
});

void test('every flipped byte and every cut of a snapshot is detected', async (t) => {
  const dir = await makeTempDir(t);
  const records = [Buffer.from('a'), Buffer.from('bcd'), Buffer.alloc(0), Buffer.from('efgh')];
  const path = await writeSnapshot(dir, 7, records);
  const bytes = await readFile(path);
  for (let offset = 0; offset < bytes.length; offset++) {
    for (const mask of [0x01, 0x80]) {
      const damaged = Buffer.from(bytes);
      damaged.writeUInt8(damaged.readUInt8(offset) ^ mask, offset);
      await writeFile(path, damaged);
      await assert.rejects(readSnapshot(path), CorruptSnapshotError, `flip at ${offset}`);
    }
  }
  for (let cut = 0; cut < bytes.length; cut++) {
    await writeFile(path, bytes.subarray(0, cut));
    await assert.rejects(readSnapshot(path), CorruptSnapshotError, `cut at ${cut}`);
  }
  await writeFile(path, Buffer.concat([bytes, Buffer.alloc(1)]));
  await assert.rejects(readSnapshot(path), CorruptSnapshotError, 'a byte after the trailer');
  await writeFile(join(dir, 'snapshot.0000000000000008'), bytes);
  await assert.rejects(readSnapshot(join(dir, 'snapshot.0000000000000008')), /file name/);
});

void test('a failed snapshot write leaves no file behind', async (t) => {
  const dir = await makeTempDir(t);
  const disk = new FaultyDisk(nodeDisk);
  const records = Array.from({ length: 3 }, () => Buffer.alloc(snapshotFlushBytes / 2));
  disk.inject({ operation: 'write', code: 'ENOSPC', times: 1, partialBytes: 100 });
  await assert.rejects(writeSnapshot(dir, 5, records, { disk }), (error: unknown) => {
    assert.ok(error instanceof StorageError);
    assert.equal(error.code, 'WARREN_STORAGE_WRITE');
    return true;
  });
  disk.inject({ operation: 'datasync', code: 'EIO', times: 1 });
  await assert.rejects(writeSnapshot(dir, 5, records, { disk }), /WARREN|fsync/);
  async function* failing(): AsyncGenerator<Buffer> {
    yield Buffer.from('one');
    await Promise.resolve();
    throw new Error('producer failed');
  }
  await assert.rejects(writeSnapshot(dir, 5, failing(), { disk }), /producer failed/);
  assert.deepEqual(await readdir(dir), []);
});

void test('recovery falls back to an older snapshot when the newest is damaged', async (t) => {
  const dataDir = await makeTempDir(t);
  const snapshots = snapshotDirectory(dataDir);
  const txns = makeRecords(1, 15);
  const { wal } = await recover({ dataDir, logger: new CapturingLogger() });
  await appendInBatches(wal, txns, 4);
  await wal.close();
  await writeSnapshot(snapshots, 5, [Buffer.from('state at 5')]);
  const newest = await writeSnapshot(snapshots, 10, [Buffer.from('state at 10')]);

  const clean = await recover({ dataDir, logger: new CapturingLogger() });
  assert.equal(clean.snapshot?.zxid, 10);
  assert.deepEqual(plain(clean.txns), plain(txns.slice(10)));
  await clean.wal.close();

  const bytes = await readFile(newest);
  bytes.writeUInt8(bytes.readUInt8(30) ^ 0xff, 30);
  await writeFile(newest, bytes);
  const logger = new CapturingLogger();
  const fallback = await recover({ dataDir, logger });
  assert.equal(fallback.snapshot?.zxid, 5);
  assert.deepEqual(hex(fallback.snapshot?.records ?? []), hex([Buffer.from('state at 5')]));
  assert.deepEqual(plain(fallback.txns), plain(txns.slice(5)));
  assert.equal(logger.warnings[0]?.fields['path'], newest);
  assert.match(logger.warnings[0]?.message ?? '', /damaged snapshot/);
  await fallback.wal.close();
});

void test('recovery removes snapshots a crash left half written', async (t) => {
  const dataDir = await makeTempDir(t);
  const snapshots = snapshotDirectory(dataDir);
  const { wal } = await recover({ dataDir, logger: new CapturingLogger() });
  await wal.close();
  await writeFile(join(snapshots, 'snapshot.0000000000000009.tmp'), 'half');
  const logger = new CapturingLogger();
  const recovered = await recover({ dataDir, logger });
  await recovered.wal.close();
  assert.equal(recovered.snapshot, null);
  assert.deepEqual(await readdir(snapshots), []);
  assert.equal(logger.warnings.length, 1);
});
