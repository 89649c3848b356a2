/**
 * The bytes a simulated server stores as its Raft snapshot: the tree's snapshot records, each
 * behind a 4-byte length. A snapshot is begun at one applied index and finished later, so
 * entries applied in between exercise the tree's copy-on-write capture.
 */
import type { Index } from '../../../src/consensus/types.js';
import type { DataTree } from '../../../src/tree/data-tree.js';
import {
  beginSnapshot,
  loadSnapshot,
  type SnapshotImage,
} from '../../../src/tree/snapshot-codec.js';

export class SnapshotJob {
  private readonly image: SnapshotImage;

  constructor(
    readonly index: Index,
    tree: DataTree,
  ) {
    this.image = beginSnapshot(tree);
  }

  get zxid(): number {
    return this.image.zxid;
  }

  /** Reads every record (copying each, as the codec asks) and frames them. */
  finish(): Buffer {
    const parts: Buffer[] = [];
    for (const record of this.image.records) {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(record.length, 0);
      parts.push(length, Buffer.from(record));
    }
    return Buffer.concat(parts);
  }

  /** Drops the job; the tree's copy-on-write hook is released. */
  abandon(): void {
    this.image.records.return();
  }
}

export function decodeSnapshotData(data: Buffer): DataTree {
  const records: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    const length = data.readUInt32BE(offset);
    records.push(data.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return loadSnapshot(records);
}
