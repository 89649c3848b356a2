/**
 * Splits records into WAL appends that respect the WAL's caps on records and bytes per
 * append. A Raft Ready almost always fits one append; this only guards the rare large one.
 */
import { walBatchBytesMax, walBatchRecordsMax } from './limits.js';
import { payloadBytes, recordBytesMin, type LogRecord } from './wal-format.js';

export function walBatches(records: readonly LogRecord[]): LogRecord[][] {
  const batches: LogRecord[][] = [];
  let batch: LogRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = recordBytesMin + payloadBytes(record);
    if (
      batch.length > 0 &&
      (batch.length >= walBatchRecordsMax || bytes + size > walBatchBytesMax)
    ) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(record);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
