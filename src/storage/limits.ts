/**
 * Every cap the storage layer enforces, with the reason for its size. They live here until
 * the project-wide limits module takes them over; the relations between them are asserted
 * below so a bad edit fails at import time, not on a production disk.
 */
import { assert } from '../util/assert.js';

const MiB = 1024 * 1024;

/** Default size after which the WAL rolls to a new segment (at a batch boundary). */
export const walSegmentBytesMaxDefault = 64 * MiB;

/**
 * Largest opaque txn payload in one WAL record. Several times jute.maxbuffer (1 MiB) so a
 * maximal multi txn fits. On read, a length field above it is treated as damage, which also
 * bounds how far a corrupt length can send the scanner.
 */
export const walPayloadBytesMax = 16 * MiB;

/** Records in one append (one group commit); the caller batches below this. */
export const walBatchRecordsMax = 64 * 1024;

/** Bytes in one append: the batch is encoded into a single buffer and written once. */
export const walBatchBytesMax = 128 * MiB;

/** Largest record (one serialized znode) in a snapshot: 1 MiB of data plus path and ACL. */
export const snapshotRecordBytesMax = 16 * MiB;

/** The snapshot writer buffers this much before each write, so the event loop keeps turning. */
export const snapshotFlushBytes = 1 * MiB;

/** A snapshot is verified in one buffer; past this size the format needs a streaming reader. */
export const snapshotBytesMax = 2048 * MiB;

/** Like ZooKeeper's autopurge.snapRetainCount: fewer than 3 leaves no room for a bad newest. */
export const snapRetainCountMin = 3;

assert(walPayloadBytesMax <= walBatchBytesMax, 'one maximal record must fit in a batch');
assert(walBatchBytesMax < 2 ** 31, 'a batch must fit in one Buffer write');
assert(snapshotRecordBytesMax < 0xffffffff, 'the snapshot end marker must not be a length');
assert(snapshotBytesMax <= 2 ** 32, 'a snapshot must fit in one Buffer');
