// Shared fixtures for the storage tests: temp directories that clean themselves up, a logger
// that records warnings, and deterministic txn payloads.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { listFiles, segmentPrefix } from '../../../src/storage/layout.js';
import { logDirectory } from './recover.js';
import type { StorageFile } from '../../../src/storage/layout.js';
import type { StorageLogger } from '../../../src/storage/logger.js';
import { nodeDisk } from '../../../src/storage/disk.js';
import type { Wal } from '../../../src/storage/wal.js';
import type { LogRecord } from '../../../src/storage/wal-format.js';

export async function makeTempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'warren-storage-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface Warning {
  fields: Record<string, unknown>;
  message: string;
}

export class CapturingLogger implements StorageLogger {
  readonly warnings: Warning[] = [];

  warn(fields: Record<string, unknown>, message: string): void {
    this.warnings.push({ fields, message });
  }
}

/** Txns zxid from..from+count-1 with varied lengths and contents derived from the zxid. */
export function makeRecords(from: number, count: number, size = 0): LogRecord[] {
  return Array.from({ length: count }, (_, index) => {
    const zxid = from + index;
    const length = size > 0 ? size : 1 + ((zxid * 37) % 50);
    const payload = Buffer.alloc(length);
    for (let i = 0; i < length; i++) payload[i] = (zxid * 31 + i * 7) & 0xff;
    return { zxid, payload };
  });
}

/** Appends `records` in batches of `batchSize`. */
export async function appendInBatches(
  wal: Wal,
  records: LogRecord[],
  batchSize: number,
): Promise<void> {
  for (let start = 0; start < records.length; start += batchSize) {
    await wal.append(records.slice(start, start + batchSize));
  }
}

export function segmentsOf(dataDir: string): Promise<StorageFile[]> {
  return listFiles(nodeDisk, logDirectory(dataDir), segmentPrefix);
}

/** Comparable form of records for deepEqual. */
export function plain(records: LogRecord[]): { zxid: number; payload: string }[] {
  return records.map((record) => ({ zxid: record.zxid, payload: record.payload.toString('hex') }));
}
