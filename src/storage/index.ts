/**
 * The storage layer's public API: a checksummed, segmented write-ahead log with group commit,
 * snapshots, start-up recovery and retention. It stores (zxid, opaque bytes) records and knows
 * nothing about the tree or consensus.
 */
export { nodeDisk, type Disk, type DiskFile, type OpenMode } from './disk.js';
export {
  CorruptLogError,
  CorruptSnapshotError,
  StorageError,
  type StorageErrorCode,
} from './errors.js';
export { FaultyDisk, type Fault, type FaultOperation } from './faulty-disk.js';
export { logDirectory, snapshotDirectory, type StorageFile } from './layout.js';
export * as storageLimits from './limits.js';
export type { StorageLogger } from './logger.js';
export { purge, type PurgeOptions, type PurgeResult } from './purge.js';
export { recover, type Recovered, type StorageOptions } from './recovery.js';
export {
  listSnapshots,
  readSnapshot,
  writeSnapshot,
  type Snapshot,
  type SnapshotOptions,
} from './snapshot.js';
export type { Wal } from './wal.js';
export type { LogRecord } from './wal-format.js';
