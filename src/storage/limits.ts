/** The storage layer's caps; they are defined, explained and related in util/limits.ts. */
export {
  snapRetainCountMin,
  snapshotBytesMax,
  snapshotFlushBytes,
  snapshotReadChunkBytes,
  snapshotRecordBytesMax,
  walBatchBytesMax,
  walBatchRecordsMax,
  walPayloadBytesMax,
  walSegmentBytesMaxDefault,
} from '../util/limits.js';
