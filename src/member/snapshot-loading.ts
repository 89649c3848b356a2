/**
 * Recovery's tree, rebuilt from the newest Raft snapshot while its file is read
 * (storage/snapshot-stream.ts): each record is decoded as soon as its checksum passes, so a
 * restart holds the tree and a few MiB of the file, never the whole file beside the tree. A
 * file that proves damaged midway is dropped with its half-built tree, and the next older one
 * starts afresh; only a file verified to its end gives the tree.
 */
import type { Logger } from 'pino';
import type { RaftSnapshotLoader } from '../storage/raft-snapshot-files.js';
import type { DataTree } from '../tree/data-tree.js';
import { SnapshotLoader } from '../tree/snapshot-codec.js';
import { progressQuietUnderMs } from '../util/limits.js';
import { Progress } from '../util/progress.js';

export interface TreeLoading {
  /** For DurableLog.open's snapshotLoader. */
  readonly load: RaftSnapshotLoader;
  /** The tree of the snapshot that loaded, or null when there was none. */
  tree(): DataTree | null;
}

/** A progress line (`logger`, clock `now`) follows a load that takes a while (a big tree). */
export function treeLoading(logger: Pick<Logger, 'info'>, now: () => number): TreeLoading {
  let loaded: DataTree | null = null;
  const load: RaftSnapshotLoader = (_meta, file) => {
    const loader = new SnapshotLoader(`snapshot ${file.path}`);
    const progress = new Progress({
      label: 'recovery: loading the snapshot',
      unit: 'bytes',
      total: file.fileBytes,
      quietUnderMs: progressQuietUnderMs,
      now,
      report: ({ text, percent, leftS }) => logger.info({ percent, leftS }, text),
    });
    return {
      record(bytes, offset) {
        loader.record(bytes, offset);
        // The record's length and checksum fields come first: 8 bytes.
        progress.set(offset + 8 + bytes.length);
      },
      end() {
        loaded = loader.finish();
        progress.finish();
      },
    };
  };
  return { load, tree: () => loaded };
}
