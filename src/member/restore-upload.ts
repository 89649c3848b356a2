/**
 * An uploaded snapshot file (what `snapshot?streaming=true` and `warren backup` give) read as
 * a Raft snapshot file: every checksum, the meta record, a tree that loads and has the digest
 * its header claims. The AdminServer's `restore` checks an upload with it before anything
 * changes, and every member of an ensemble reads a replicated restore's file with it.
 */
import { decodeRaftSnapshot } from '../storage/raft-snapshot-files.js';
import type { DataTree } from '../tree/data-tree.js';
import { loadSnapshot } from '../tree/snapshot-codec.js';

/** What an upload holds: its tree and the index the backup was taken at. */
export interface CheckedUpload {
  readonly tree: DataTree;
  readonly backupIndex: number;
}

/** Throws a sentence saying what is wrong with the upload. */
export function verifyUpload(upload: Buffer): CheckedUpload {
  if (upload.length === 0) throw new Error('the upload is empty: POST the snapshot file');
  let contents;
  try {
    contents = decodeRaftSnapshot(upload, 'the uploaded snapshot');
  } catch (error) {
    throw new Error(
      `${(error as Error).message} (damaged or truncated: upload the file \`warren backup\` ` +
        'or `snapshot?streaming=true` wrote, unchanged)',
      { cause: error },
    );
  }
  let tree: DataTree;
  try {
    tree = loadSnapshot(contents.records);
  } catch (error) {
    throw new Error(`the uploaded snapshot's tree does not load: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const computed = tree.computeDigest();
  if (computed !== tree.digest) {
    throw new Error(
      `the uploaded snapshot's tree has digest 0x${computed.toString(16)}, its header says ` +
        `0x${tree.digest.toString(16)}`,
    );
  }
  return { tree, backupIndex: contents.meta.index };
}
