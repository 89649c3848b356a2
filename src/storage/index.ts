/**
 * The storage layer: a checksummed, segmented write-ahead log with group commit, snapshot
 * files, the Raft store built on them (log keyed by index, hard state, snapshots, retention)
 * and the reader of Warren 0.1.0's standalone layout. It stores opaque records and knows
 * nothing about the tree or consensus; it imports only util/.
 */
export { nodeDisk, type Disk, type DiskFile, type OpenMode } from './disk.js';
export {
  CorruptLogError,
  CorruptSnapshotError,
  StorageError,
  type StorageErrorCode,
} from './errors.js';
export { FaultyDisk, type Fault, type FaultOperation } from './faulty-disk.js';
export * as storageLimits from './limits.js';
export type { StorageLogger } from './logger.js';
export {
  RaftStore,
  type RaftStoreContents,
  type RaftStoreOptions,
  type RaftStoreWrite,
} from './raft-store.js';
export type * from './raft-types.js';
export {
  listSnapshots,
  readSnapshot,
  writeSnapshot,
  type Snapshot,
  type SnapshotOptions,
} from './snapshot.js';
export { openWal, type Wal } from './wal.js';
export type { LogRecord } from './wal-format.js';
