// Proves the WAL's failure contract with injected disk faults: a failed write (ENOSPC) or
// fsync (EIO) rejects the append with a StorageError and stops the log; tryRecover brings
// writes back only after a write error, with the data intact; a crash after a failed write
// recovers like a torn tail; and misuse (overlapping appends, zxids out of order) is an assert.
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { test } from 'node:test';
import { AssertionError } from '../../../src/util/assert.js';
import { nodeDisk } from '../../../src/storage/disk.js';
import { StorageError } from '../../../src/storage/errors.js';
import { FaultyDisk } from '../../../src/storage/faulty-disk.js';
import { logDirectory } from './recover.js';
import { recover } from './recover.js';
import { CapturingLogger, makeRecords, makeTempDir, plain, segmentsOf } from './helpers.js';

function isStorageError(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof StorageError, String(error));
    assert.equal(error.code, code);
    return true;
  };
}

void test('ENOSPC fails the append and the log; tryRecover resumes with data intact', async (t) => {
  const dataDir = await makeTempDir(t);
  const disk = new FaultyDisk(nodeDisk);
  const { wal } = await recover({ dataDir, disk, logger: new CapturingLogger() });
  await wal.append(makeRecords(1, 4));
  const [segment] = await segmentsOf(dataDir);
  assert.ok(segment !== undefined);
  const syncedSize = (await stat(segment.path)).size;

  disk.inject({ operation: 'write', code: 'ENOSPC', times: Infinity, partialBytes: 10 });
  await assert.rejects(wal.append(makeRecords(5, 3)), isStorageError('WARREN_STORAGE_WRITE'));
  assert.equal((await stat(segment.path)).size, syncedSize + 10, 'the partial write landed');
  assert.equal(wal.failure?.code, 'WARREN_STORAGE_WRITE');
  const writes = disk.calls.write;
  await assert.rejects(wal.append(makeRecords(5, 3)), isStorageError('WARREN_STORAGE_WRITE'));
  assert.equal(disk.calls.write, writes, 'a failed log does not even try to write');

  disk.clearFaults(); // the operator freed disk space
  assert.equal(await wal.tryRecover(), true);
  assert.equal(wal.failure, null);
  assert.equal((await stat(segment.path)).size, syncedSize);
  await wal.append(makeRecords(5, 3));
  await wal.append(makeRecords(8, 1));
  await wal.close();

  const logger = new CapturingLogger();
  const recovered = await recover({ dataDir, logger });
  assert.deepEqual(plain(recovered.txns), plain(makeRecords(1, 8)));
  assert.deepEqual(logger.warnings, []);
  await recovered.wal.close();
});

void test('an fsync failure cuts the unsynced records off and stops the log for good', async (t) => {
  const dataDir = await makeTempDir(t);
  const disk = new FaultyDisk(nodeDisk);
  const { wal } = await recover({ dataDir, disk, logger: new CapturingLogger() });
  await wal.append(makeRecords(1, 2));
  const [segment] = await segmentsOf(dataDir);
  assert.ok(segment !== undefined);
  const syncedSize = (await stat(segment.path)).size;
  disk.inject({ operation: 'datasync', code: 'EIO', times: 1 });
  await assert.rejects(wal.append(makeRecords(3, 2)), isStorageError('WARREN_STORAGE_FSYNC'));
  // The kernel may have marked the batch's pages clean without writing them and still serve
  // them: a restart must not read records that were never synced as durable.
  assert.equal((await stat(segment.path)).size, syncedSize, 'the unsynced batch is cut off');
  await assert.rejects(wal.append(makeRecords(3, 2)), (error: unknown) => {
    assert.ok(error instanceof StorageError);
    assert.equal(error.code, 'WARREN_STORAGE_FSYNC');
    assert.match(error.message, /restart/);
    assert.ok(error.cause instanceof StorageError);
    return true;
  });
  assert.equal(await wal.tryRecover(), false);
  assert.equal(await wal.tryRecover(), false);
  await assert.rejects(wal.append(makeRecords(3, 2)), isStorageError('WARREN_STORAGE_FSYNC'));
  await wal.close();
  const recovered = await recover({ dataDir, logger: new CapturingLogger() });
  assert.equal(recovered.wal.lastZxid, 2);
  await recovered.wal.close();
});

void test('an fsync failure inside tryRecover also stops the log for good', async (t) => {
  const dataDir = await makeTempDir(t);
  const disk = new FaultyDisk(nodeDisk);
  const { wal } = await recover({ dataDir, disk, logger: new CapturingLogger() });
  await wal.append(makeRecords(1, 2));
  disk.inject({ operation: 'write', code: 'ENOSPC', times: 1 });
  await assert.rejects(wal.append(makeRecords(3, 1)), isStorageError('WARREN_STORAGE_WRITE'));
  disk.inject({ operation: 'datasync', code: 'EIO', times: 1 });
  assert.equal(await wal.tryRecover(), false);
  assert.equal(wal.failure?.code, 'WARREN_STORAGE_FSYNC');
  assert.equal(await wal.tryRecover(), false);
  await wal.close();
});

void test('a crash after a failed write recovers like a torn tail', async (t) => {
  const dataDir = await makeTempDir(t);
  const disk = new FaultyDisk(nodeDisk);
  const { wal } = await recover({ dataDir, disk, logger: new CapturingLogger() });
  await wal.append(makeRecords(1, 3));
  disk.inject({ operation: 'write', code: 'ENOSPC', times: 1, partialBytes: 21 });
  await assert.rejects(wal.append(makeRecords(4, 2)), isStorageError('WARREN_STORAGE_WRITE'));
  await wal.close(); // the process dies without tryRecover
  const logger = new CapturingLogger();
  const recovered = await recover({ dataDir, logger });
  assert.deepEqual(plain(recovered.txns), plain(makeRecords(1, 3)));
  assert.equal(logger.warnings[0]?.fields['droppedBytes'], 21);
  await recovered.wal.close();
});

void test('a failed segment roll is undone by tryRecover', async (t) => {
  const dataDir = await makeTempDir(t);
  const disk = new FaultyDisk(nodeDisk);
  const options = { dataDir, disk, logger: new CapturingLogger(), segmentBytesMax: 100 };
  const { wal } = await recover(options);
  await wal.append(makeRecords(1, 4)); // passes 100 bytes: the next append rolls
  disk.inject({ operation: 'write', code: 'ENOSPC', times: 1, partialBytes: 7 });
  await assert.rejects(wal.append(makeRecords(5, 2)), isStorageError('WARREN_STORAGE_WRITE'));
  assert.equal((await readdir(logDirectory(dataDir))).length, 2, 'a partial new segment');
  assert.equal(await wal.tryRecover(), true);
  assert.equal((await readdir(logDirectory(dataDir))).length, 1, 'the partial segment is gone');
  disk.inject({ operation: 'open', code: 'ENOSPC', times: 1 });
  await assert.rejects(wal.append(makeRecords(5, 2)), isStorageError('WARREN_STORAGE_WRITE'));
  assert.equal(await wal.tryRecover(), true);
  await wal.append(makeRecords(5, 2));
  await wal.close();
  const recovered = await recover(options);
  assert.deepEqual(plain(recovered.txns), plain(makeRecords(1, 6)));
  assert.equal((await segmentsOf(dataDir)).length, 2);
  await recovered.wal.close();
});

void test('misuse is an assertion: overlapping appends and zxids out of order', async (t) => {
  const dataDir = await makeTempDir(t);
  const { wal } = await recover({ dataDir, logger: new CapturingLogger() });
  const first = wal.append(makeRecords(1, 2));
  await assert.rejects(wal.append(makeRecords(3, 1)), AssertionError);
  await assert.rejects(wal.tryRecover(), AssertionError);
  await first;
  await assert.rejects(wal.append(makeRecords(4, 1)), AssertionError); // skips 3
  await assert.rejects(wal.append(makeRecords(2, 1)), AssertionError); // steps back
  await assert.rejects(wal.append([]), AssertionError);
  await wal.append(makeRecords(3, 1));
  assert.equal(wal.lastZxid, 3);
  await wal.close();
  await assert.rejects(wal.append(makeRecords(4, 1)), AssertionError);
});
