/**
 * `warren restore --from FILE --data-dir DIR`: prepares an empty data directory from a backup
 * (`warren backup`) so that a server started on it serves the backed-up tree: the snapshot
 * verified whole, then written as the directory's Raft snapshot with this server as the only
 * voter, its hard state (the snapshot's term, committed through its index), its member id and
 * `myid`.
 *
 * The membership is this server's alone, whatever the backup's was: the restored server is a
 * standalone server, or an ensemble's first member that the others join (warren.join and
 * reconfig; docs/operations.md). /zookeeper/config is emptied for the same reason: it named
 * the old ensemble's servers, and a leader writes its own zoo.cfg's there when it is empty.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { claimIdentity } from '../member/member-identity.js';
import { nodeDisk } from '../storage/disk.js';
import { writeHardState } from '../storage/hard-state-file.js';
import { ensureDirectory } from '../storage/layout.js';
import type { StorageLogger } from '../storage/logger.js';
import { raftPaths } from '../storage/raft-layout.js';
import { writeRaftSnapshot } from '../storage/raft-snapshot-files.js';
import type { DataTree } from '../tree/data-tree.js';
import { CONFIG_PATH } from '../tree/path.js';
import { beginSnapshot } from '../tree/snapshot-codec.js';
import { ProgressLine } from './progress.js';
import { checkSnapshotFile, describeSnapshot } from './snapshot-check.js';

export interface RestoreOptions {
  readonly from: string;
  readonly dataDir: string;
  /** Defaults to dataDir, as zoo.cfg's dataLogDir does. */
  readonly dataLogDir?: string;
  /** The server id the directory is for: 1 for a standalone server (the default). */
  readonly myid: number;
}

export class RestoreError extends Error {}

export async function runRestore(options: RestoreOptions, logger: StorageLogger): Promise<string> {
  const dataDir = resolve(options.dataDir);
  const dataLogDir = resolve(options.dataLogDir ?? options.dataDir);
  for (const directory of new Set([dataDir, dataLogDir])) await refuseNonEmpty(directory);
  process.stderr.write(`restore: verifying ${options.from}\n`);
  const checked = await checkSnapshotFile(resolve(options.from));
  const { index, term } = checked.meta;
  forgetOldEnsemble(checked.tree);
  const membership = { voters: [options.myid], learners: [] };
  const paths = raftPaths(dataDir, dataLogDir);
  await ensureDirectory(nodeDisk, dataDir);
  await ensureDirectory(nodeDisk, dataLogDir);
  const progress = new ProgressLine(`restore into ${dataDir}`, checked.bytes);
  const image = beginSnapshot(checked.tree);
  try {
    const records = counted(image.records, progress);
    await writeRaftSnapshot(nodeDisk, paths, { index, term, membership }, records, logger);
  } finally {
    image.abandon();
  }
  progress.finish();
  const hardState = { term, vote: 0, commit: index };
  await writeHardState(nodeDisk, paths.stateDirectory, paths.statePath, hardState);
  await claimIdentity(nodeDisk, dataDir, options.myid);
  // An ensemble member reads its id from myid; a standalone server ignores the file.
  await writeFile(join(dataDir, 'myid'), `${options.myid}\n`);
  return (
    `restored ${options.from} into ${dataDir} for server ${options.myid} (the only voter): ` +
    describeSnapshot(checked)
  );
}

async function refuseNonEmpty(directory: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new RestoreError(`cannot read ${directory}: ${(error as Error).message}`);
  }
  if (names.length > 0) {
    throw new RestoreError(
      `${directory} is not empty (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}); ` +
        'restore prepares a new data directory only: give it an empty or absent one',
    );
  }
}

/** The old ensemble's dynamic configuration would name servers this one does not have. */
function forgetOldEnsemble(tree: DataTree): void {
  const config = tree.get(CONFIG_PATH);
  if (config === undefined || config.data === null || config.data === '') return;
  config.data = '';
  tree.digest = tree.computeDigest();
}

function* counted(records: Iterable<Buffer>, progress: ProgressLine): Iterable<Buffer> {
  for (const record of records) {
    progress.advance(record.length + 8);
    yield record;
  }
}
