/**
 * Writes a tree as the first Raft snapshot of a one-voter membership, at index = the tree's
 * last zxid, so zxids go on where they left off and clients that saw them reconnect. Both the
 * conversion of a Warren 0.1.0 directory and `warren import` (a ZooKeeper data directory) end
 * here: one way for a tree built outside the write path to become a data directory.
 */
import type { Logger } from 'pino';
import type { Disk } from '../storage/disk.js';
import { RaftStore } from '../storage/raft-store.js';
import { walSegmentBytesMaxDefault } from '../storage/limits.js';
import type { DataTree } from '../tree/data-tree.js';
import { beginSnapshot } from '../tree/snapshot-codec.js';

export interface FoundingPlaces {
  readonly dataDir: string;
  readonly dataLogDir: string;
  readonly disk: Disk;
  readonly logger: Logger;
  /** The one voter of the new membership (a standalone server is server 1). */
  readonly selfId: number;
  readonly snapRetainCount: number;
}

/** Persists `tree` as snapshot, hard state and empty log; resolves once durable. */
export async function writeFoundingSnapshot(places: FoundingPlaces, tree: DataTree) {
  // Raft's first index is 1: an empty tree becomes the founding snapshot at 1.
  const index = Math.max(1, tree.lastZxid);
  const membership = { voters: [places.selfId], learners: [] };
  const { store } = await RaftStore.open({
    dataDir: places.dataDir,
    dataLogDir: places.dataLogDir,
    logger: places.logger,
    disk: places.disk,
    initialMembership: membership,
    segmentBytesMax: walSegmentBytesMaxDefault,
    snapRetainCount: places.snapRetainCount,
  });
  try {
    const image = beginSnapshot(tree);
    const records: Buffer[] = [];
    try {
      // Each record is a view until the next is asked for: copy as we go.
      for (const record of image.records) records.push(Buffer.from(record));
    } finally {
      image.abandon();
    }
    const meta = { index, term: 1, membership };
    const hardState = { term: 1, vote: 0, commit: index };
    await store.persist({ snapshot: { meta, records }, entries: [], hardState });
  } finally {
    await store.close();
  }
  return index;
}
