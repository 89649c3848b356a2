/**
 * Caps on everything `warren import` reads from a ZooKeeper data directory. A damaged or
 * hostile file must stop the import with a clear error, never make it allocate without bound.
 */
import { frameBytesMaxCeiling } from '../util/limits.js';

const MiB = 1024 * 1024;

/**
 * One transaction-log record. ZooKeeper caps a request at jute.maxbuffer (1 MiB by default);
 * a txn is the request plus a header, so 4× Warren's largest jute.maxbuffer is generous.
 */
export const zkTxnBytesMax = 4 * frameBytesMaxCeiling;
/** A node's data: Warren could not serve more (its jute.maxbuffer ceiling). */
export const zkDataBytesMax = frameBytesMaxCeiling;
/** A path or ACL string: far above ZooKeeper's own practical limits. */
export const zkStringBytesMax = 1 * MiB;
/** Entries in one ACL list. */
export const zkAclEntriesMax = 4096;
/** Distinct ACL lists in a snapshot's ACL table. */
export const zkAclTableEntriesMax = 10_000_000;
/** Sessions in a snapshot. */
export const zkSessionsMax = 10_000_000;
/** Sub-transactions in one multi. */
export const zkMultiOpsMax = 100_000;
/** Bytes kept in the read window: one node record (data, path, ACL id, stat) fits easily. */
export const zkWindowBytesMax = zkDataBytesMax + 2 * zkStringBytesMax + 1 * MiB;
/** Log and snapshot files looked at in one directory. */
export const zkFilesMax = 100_000;
/** A file modified this recently may still be written by a running ZooKeeper. */
export const zkRecentWriteMs = 10_000;
/** Progress lines are printed at most this often. */
export const progressIntervalMs = 2_000;
