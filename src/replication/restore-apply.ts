/**
 * What applying a restore's entry does (restore-assembly.ts has the rules): a chunk is held,
 * an abort drops the chunks, and a commit turns the chunks into the new tree, which every
 * member builds alike: the file's tree, checked against the digest the commit names, with
 * this member's own /zookeeper/config (the ensemble is not the backup's) and zxids going on
 * from the commit's index. A commit that cannot be carried out changes nothing, on every
 * member alike, and says why.
 */
import type { Entry } from '../consensus/index.js';
import type { DataTree } from '../tree/data-tree.js';
import { CONFIG_PATH } from '../tree/path.js';
import type { EntryPayload } from './entry-codec.js';
import type { RestoreAssembly } from './restore-assembly.js';

export type RestoreEntry = Extract<
  EntryPayload,
  { kind: 'restoreChunk' | 'restoreCommit' | 'restoreAbort' }
>;
type WithoutCheck<T> = T extends unknown ? Omit<T, 'check'> : never;
/** A restore entry as the leader proposes it (the replica adds the digest check). */
export type RestoreProposal = WithoutCheck<RestoreEntry>;

export type RestoreApplied = { ok: true; tree: DataTree } | { ok: false; reason: string };

/** The outcome of a commit entry; null for a chunk or an abort. */
export function applyRestore(
  assembly: RestoreAssembly,
  entry: Entry,
  payload: RestoreEntry,
  current: DataTree,
  load: ((image: Buffer) => DataTree) | undefined,
): RestoreApplied | null {
  switch (payload.kind) {
    case 'restoreChunk':
      assembly.addChunk(entry.term, payload.restoreId, payload.seq, payload.bytes);
      return null;
    case 'restoreAbort':
      assembly.abort(payload.restoreId);
      return null;
    case 'restoreCommit':
      return commitRestore(assembly, entry, payload.commit, current, load);
  }
}

function commitRestore(
  assembly: RestoreAssembly,
  entry: Entry,
  commit: Extract<RestoreEntry, { kind: 'restoreCommit' }>['commit'],
  current: DataTree,
  load: ((image: Buffer) => DataTree) | undefined,
): RestoreApplied {
  const image = assembly.take(entry.term, commit);
  if (typeof image === 'string') return { ok: false, reason: image };
  if (load === undefined) return { ok: false, reason: 'this member cannot read restore images' };
  let tree: DataTree;
  try {
    tree = load(image);
  } catch (error) {
    return { ok: false, reason: `the restored snapshot does not load: ${String(error)}` };
  }
  if (tree.digest !== commit.treeDigest) {
    const hex = (n: number) => `0x${n.toString(16)}`;
    return {
      ok: false,
      reason: `the restored tree has digest ${hex(tree.digest)}, ${hex(commit.treeDigest)} named`,
    };
  }
  keepCurrentConfig(tree, current);
  // Zxids go on from the log index: a client that saw a later zxid may reconnect.
  tree.lastZxid = entry.index;
  return { ok: true, tree };
}

/**
 * /zookeeper/config names the servers of the ensemble the backup came from; this member's
 * own configuration stays (as `warren restore` empties it, so it names no stranger).
 */
export function keepCurrentConfig(restored: DataTree, current: DataTree): void {
  const mine = current.get(CONFIG_PATH);
  const theirs = restored.get(CONFIG_PATH);
  if (mine === undefined || theirs === undefined || mine.data === theirs.data) return;
  restored.setData(CONFIG_PATH, mine.data, mine.version, mine.mzxid, mine.mtime);
}
