// Proves that a crash in the middle of a write never loses an acknowledged record and never
// blocks start-up: the log is cut at every byte of its last record, of a new segment's header,
// and padded with zeros or garbage, and each time recovery returns exactly the records before
// the cut, truncates the file, warns with the bytes dropped, and appends again from there.
// Only an incomplete record is torn: a complete one that fails its checksum is damage
// (test/unit/storage/damaged-tail.test.ts).
import assert from 'node:assert/strict';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { recover } from './recover.js';
import { scanSegment } from '../../../src/storage/segment-scan.js';
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
  plain,
  segmentsOf,
} from './helpers.js';

const records = makeRecords(1, 12);

async function writeLog(dataDir: string): Promise<{ path: string; bytes: Buffer }> {
  const { wal } = await recover({ dataDir, logger: new CapturingLogger(), segmentBytesMax: 300 });
  await appendInBatches(wal, records, 2);
  await wal.close();
  const segments = await segmentsOf(dataDir);
  assert.ok(segments.length >= 2, 'the fixture needs more than one segment');
  const last = segments[segments.length - 1];
  assert.ok(last !== undefined);
  return { path: last.path, bytes: await readFile(last.path) };
}

void test('a cut at every byte of the last record recovers the records before it', async (t) => {
  const dataDir = await makeTempDir(t);
  const { path, bytes } = await writeLog(dataDir);
  const lastLength = 16 + (records[records.length - 1]?.payload.length ?? 0);
  const lastStart = bytes.length - lastLength;
  for (let cut = lastStart; cut < bytes.length; cut++) {
    await writeFile(path, bytes.subarray(0, cut));
    const logger = new CapturingLogger();
    const recovered = await recover({ dataDir, logger, segmentBytesMax: 300 });
    assert.deepEqual(plain(recovered.txns), plain(records.slice(0, -1)), `cut at ${cut}`);
    assert.equal((await stat(path)).size, lastStart, `file cut back at ${cut}`);
    const dropped = logger.warnings.map((warning) => warning.fields['droppedBytes']);
    assert.deepEqual(dropped, cut === lastStart ? [] : [cut - lastStart], `warning at ${cut}`);
    await recovered.wal.append(records.slice(-1));
    await recovered.wal.close();
    assert.deepEqual(await readFile(path), bytes, `re-append after cut at ${cut}`);
  }
});

void test('every cut of a whole segment keeps exactly the complete records', () => {
  const segment = Buffer.concat([encodeSegmentHeader(1), encodeBatch(records)]);
  const ends: number[] = [];
  let end = segmentHeaderBytes;
  for (const record of records) ends.push((end += 16 + record.payload.length));
  for (let cut = segmentHeaderBytes; cut <= segment.length; cut++) {
    const scan = scanSegment(segment.subarray(0, cut), {
      file: 'f',
      firstZxid: 1,
      isLast: true,
      repair: false,
    });
    const complete = ends.filter((recordEnd) => recordEnd <= cut);
    assert.equal(scan.records.length, complete.length, `cut at ${cut}`);
    assert.equal(scan.validBytes, complete[complete.length - 1] ?? segmentHeaderBytes);
  }
});

void test('a new segment torn inside its header is removed and made again', async (t) => {
  const dataDir = await makeTempDir(t);
  const { wal } = await recover({ dataDir, logger: new CapturingLogger() });
  await wal.append(records.slice(0, 5));
  await wal.close();
  const next = (await segmentsOf(dataDir))[0]?.path.replace(/1$/, '6');
  assert.ok(next !== undefined);
  const header = encodeSegmentHeader(6);
  for (let cut = 0; cut <= header.length; cut++) {
    await writeFile(next, header.subarray(0, cut));
    const logger = new CapturingLogger();
    const recovered = await recover({ dataDir, logger });
    assert.deepEqual(plain(recovered.txns), plain(records.slice(0, 5)), `cut at ${cut}`);
    assert.equal((await segmentsOf(dataDir)).length, cut === header.length ? 2 : 1);
    assert.equal(logger.warnings.length, cut === header.length ? 0 : 1);
    await recovered.wal.close();
  }
  // The header-only segment is the one appends continue in.
  const recovered = await recover({ dataDir, logger: new CapturingLogger() });
  await recovered.wal.append(records.slice(5, 7));
  await recovered.wal.close();
  const appended = encodeBatch(records.slice(5, 7));
  assert.deepEqual(await readFile(next), Buffer.concat([header, appended]));
});

void test('trailing zeros after the last record are a torn tail', async (t) => {
  const dataDir = await makeTempDir(t);
  const { path, bytes } = await writeLog(dataDir);
  await writeFile(path, Buffer.concat([bytes, Buffer.alloc(4096)]));
  const zeros = new CapturingLogger();
  const afterZeros = await recover({ dataDir, logger: zeros, segmentBytesMax: 300 });
  await afterZeros.wal.close();
  assert.deepEqual(plain(afterZeros.txns), plain(records));
  assert.equal(zeros.warnings[0]?.fields['droppedBytes'], 4096);
});

void test('random garbage after the last record is a torn tail', async (t) => {
  const dataDir = await makeTempDir(t);
  const { path, bytes } = await writeLog(dataDir);
  const garbage = Buffer.alloc(2000);
  let seed = 12345;
  for (let i = 0; i < garbage.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    garbage[i] = seed >>> 16;
  }
  await writeFile(path, Buffer.concat([bytes, garbage]));
  const recovered = await recover({ dataDir, logger: new CapturingLogger() });
  await recovered.wal.close();
  assert.deepEqual(plain(recovered.txns), plain(records));
  await truncate(path, bytes.length - 1);
  const again = await recover({ dataDir, logger: new CapturingLogger() });
  await again.wal.close();
  assert.deepEqual(plain(again.txns), plain(records.slice(0, -1)));
});
