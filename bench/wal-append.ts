/**
 * Micro-benchmark of WAL group commit: appends 150-byte txns in batches of 1, 8 and 64 (one
 * append in flight, as the commit pipeline does) and prints txns/s and fsyncs/s, counted at
 * the disk interface. It shows how much batching buys on this machine's fsync latency.
 *
 *   node dist/bench/wal-append.js [secondsPerCase=2] [directory=os.tmpdir()]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultyDisk, nodeDisk, openWal } from '../src/storage/index.js';
import { storageLimits } from '../src/storage/index.js';

const payloadBytes = 150;
const batchSizes = [1, 8, 64];

async function runCase(parent: string, batchSize: number, seconds: number): Promise<string> {
  const dataDir = await mkdtemp(join(parent, 'warren-wal-bench-'));
  try {
    const disk = new FaultyDisk(nodeDisk); // no faults: it counts fsyncs
    const logger = { warn: () => undefined, info: () => undefined };
    const segmentBytesMax = storageLimits.walSegmentBytesMaxDefault;
    const wal = await openWal({
      directory: dataDir,
      disk,
      logger,
      segmentBytesMax,
      nextZxid: 1,
      last: null,
    });
    const payload = Buffer.alloc(payloadBytes, 0x5a);
    const syncsBefore = disk.calls.datasync;
    const started = performance.now();
    let zxid = 1;
    while (performance.now() - started < seconds * 1000) {
      const batch = Array.from({ length: batchSize }, (_, index) => ({
        zxid: zxid + index,
        payload,
      }));
      await wal.append(batch);
      zxid += batchSize;
    }
    const elapsed = (performance.now() - started) / 1000;
    await wal.close();
    const txns = zxid - 1;
    const fsyncs = disk.calls.datasync - syncsBefore;
    return [
      `batch ${String(batchSize).padStart(2)}:`,
      `${Math.round(txns / elapsed)} txns/s,`,
      `${Math.round(fsyncs / elapsed)} fsyncs/s,`,
      `${((txns * payloadBytes) / elapsed / 1e6).toFixed(2)} MB/s of payload`,
      `(${txns} txns in ${elapsed.toFixed(1)} s)`,
    ].join(' ');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? '2');
  const parent = process.argv[3] ?? tmpdir();
  console.log(`WAL append, ${payloadBytes}-byte txns, ${seconds} s per case, in ${parent}`);
  for (const batchSize of batchSizes) console.log(await runCase(parent, batchSize, seconds));
}

await main();
