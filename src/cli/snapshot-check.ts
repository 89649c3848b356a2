/**
 * Reads a Raft snapshot file (a backup, or one in a data directory) and verifies all of it:
 * the file's and every record's checksums (storage/snapshot.ts), the meta record, and that the
 * tree it holds loads and has the digest its header says. backup, restore and inspect share it.
 * The tree is built as the file is streamed in (storage/snapshot-stream.ts), never held whole.
 */
import { stat } from 'node:fs/promises';
import { DecodeError } from '../protocol/jute-reader.js';
import { assert } from '../util/assert.js';
import { nodeDisk } from '../storage/disk.js';
import { streamRaftSnapshot } from '../storage/raft-snapshot-files.js';
import type { StoredSnapshotMeta } from '../storage/raft-types.js';
import type { DataTree } from '../tree/data-tree.js';
import { SnapshotLoader } from '../tree/snapshot-codec.js';

export interface CheckedSnapshot {
  readonly path: string;
  readonly bytes: number;
  readonly meta: StoredSnapshotMeta;
  readonly tree: DataTree;
}

/** Thrown with a sentence saying what is wrong with which file. */
export class SnapshotCheckError extends Error {}

export async function checkSnapshotFile(path: string): Promise<CheckedSnapshot> {
  let bytes: number;
  try {
    bytes = (await stat(path)).size;
  } catch (error) {
    throw new SnapshotCheckError(`${path}: ${(error as Error).message}`);
  }
  const loaded: { tree: DataTree | null } = { tree: null };
  let meta: StoredSnapshotMeta;
  try {
    meta = await streamRaftSnapshot(path, nodeDisk, () => {
      const loader = new SnapshotLoader(`snapshot ${path}`);
      return {
        record: (record, offset) => loader.record(record, offset),
        end: () => {
          loaded.tree = loader.finish();
        },
      };
    });
  } catch (error) {
    // The tree's records passed their checksums: a decode failure is the tree's, not the file's.
    if (error instanceof DecodeError) {
      throw new SnapshotCheckError(`${path}: its tree does not load: ${error.message}`);
    }
    throw new SnapshotCheckError(
      `${path} is not a valid Warren snapshot: ${(error as Error).message}`,
    );
  }
  const tree = loaded.tree;
  assert(tree !== null, `${path}: streamed without a tree`);
  const computed = tree.computeDigest();
  if (computed !== tree.digest) {
    throw new SnapshotCheckError(
      `${path}: the tree's digest is ${hex(computed)}, its header says ${hex(tree.digest)}`,
    );
  }
  return { path, bytes, meta, tree };
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** One line about a checked snapshot, for people. */
export function describeSnapshot(s: CheckedSnapshot): string {
  const { index, term, membership } = s.meta;
  return (
    `index ${index} (zxid 0x${index.toString(16)}), term ${term}, ` +
    `voters [${membership.voters.join(',')}], learners [${membership.learners.join(',')}], ` +
    `${s.tree.nodeCount} nodes, ${s.tree.sessions.size} sessions, digest ${hex(s.tree.digest)}, ` +
    `${s.bytes} bytes`
  );
}
