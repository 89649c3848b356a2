// Proves that purge keeps the newest snapRetainCount snapshots and exactly the log needed to
// replay from the oldest of them (the segment holding its zxid + 1 onwards), never deletes the
// newest segment, and refuses a retain count below 3; recovery still works from any snapshot
// that was kept.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { StorageError } from '../../../src/storage/errors.js';
import { snapshotDirectory } from '../../../src/storage/layout.js';
import { purge } from '../../../src/storage/purge.js';
import { recover } from '../../../src/storage/recovery.js';
import { listSnapshots, writeSnapshot } from '../../../src/storage/snapshot.js';
import {
  CapturingLogger,
  appendInBatches,
  makeRecords,
  makeTempDir,
  plain,
  segmentsOf,
} from './helpers.js';

const txns = makeRecords(1, 60);

async function setUp(dataDir: string, snapshotZxids: number[]): Promise<void> {
  const { wal } = await recover({ dataDir, logger: new CapturingLogger(), segmentBytesMax: 200 });
  await appendInBatches(wal, txns, 2);
  await wal.close();
  for (const zxid of snapshotZxids) {
    await writeSnapshot(snapshotDirectory(dataDir), zxid, [Buffer.from(`state ${zxid}`)]);
  }
}

void test('purge keeps the newest snapshots and the log from the oldest kept one', async (t) => {
  const dataDir = await makeTempDir(t);
  await setUp(dataDir, [10, 20, 30, 40, 50]);
  const before = await segmentsOf(dataDir);
  const result = await purge({ dataDir, snapRetainCount: 3 });

  const kept = await listSnapshots(snapshotDirectory(dataDir));
  assert.deepEqual(
    kept.map((file) => file.zxid),
    [50, 40, 30],
  );
  assert.equal(result.removedSnapshots.length, 2);
  const after = await segmentsOf(dataDir);
  const holding31 = before.filter((segment) => segment.zxid <= 31).pop();
  assert.ok(holding31 !== undefined);
  assert.equal(after[0]?.path, holding31.path, 'the segment holding zxid 31 is the first kept');
  assert.deepEqual(
    before.filter((segment) => segment.zxid < holding31.zxid).map((segment) => segment.path),
    result.removedSegments,
  );
  assert.equal(after.length + result.removedSegments.length, before.length);

  // The oldest kept snapshot is still usable: damage the two newer ones.
  for (const file of kept.slice(0, 2)) {
    const bytes = await readFile(file.path);
    bytes.writeUInt8(bytes.readUInt8(25) ^ 0xff, 25);
    await writeFile(file.path, bytes);
  }
  const recovered = await recover({ dataDir, logger: new CapturingLogger() });
  assert.equal(recovered.snapshot?.zxid, 30);
  assert.deepEqual(plain(recovered.txns), plain(txns.slice(30)));
  await recovered.wal.close();
});

void test('purge never deletes the newest segment and keeps everything without snapshots', async (t) => {
  const dataDir = await makeTempDir(t);
  await setUp(dataDir, []);
  const all = await segmentsOf(dataDir);
  assert.deepEqual(await purge({ dataDir, snapRetainCount: 3 }), {
    removedSnapshots: [],
    removedSegments: [],
  });
  // Snapshots past the end of the log: every segment but the newest is obsolete.
  for (const zxid of [70, 80, 90]) {
    await writeSnapshot(snapshotDirectory(dataDir), zxid, []);
  }
  const result = await purge({ dataDir, snapRetainCount: 3 });
  assert.equal(result.removedSegments.length, all.length - 1);
  assert.deepEqual(await segmentsOf(dataDir), all.slice(-1));
  assert.deepEqual(await purge({ dataDir, snapRetainCount: 5 }), {
    removedSnapshots: [],
    removedSegments: [],
  });
});

void test('a retain count below 3 is refused', async (t) => {
  const dataDir = await makeTempDir(t);
  for (const snapRetainCount of [0, 2, 2.5]) {
    await assert.rejects(purge({ dataDir, snapRetainCount }), (error: unknown) => {
      assert.ok(error instanceof StorageError);
      assert.equal(error.code, 'WARREN_STORAGE_CONFIG');
      assert.match(error.message, /at least 3/);
      return true;
    });
  }
});
