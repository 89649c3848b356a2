/**
 * `warren inspect --data-dir DIR`: what a data directory holds, as ZooKeeper's
 * zkSnapShotToolkit and zkTxnLogToolkit print theirs: the member id, the hard state, every
 * snapshot (meta, node count, digest, verified whole) and every log record. It only reads,
 * and takes no lock; a running server's files may change under it, which it says first.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { liveLockHolder } from '../storage/directory-lock.js';
import { nodeDisk } from '../storage/disk.js';
import { readHardState } from '../storage/hard-state-file.js';
import { raftPaths } from '../storage/raft-layout.js';
import { listSnapshots } from '../storage/snapshot.js';
import { printLog } from './inspect-log.js';
import { checkSnapshotFile, describeSnapshot } from './snapshot-check.js';

export interface InspectOptions {
  readonly dataDir: string;
  readonly dataLogDir?: string;
  /** Print the log's records too (the default). */
  readonly log: boolean;
}

/** Prints the directory's contents; resolves with the number of damaged snapshots found. */
export async function inspectDataDir(
  options: InspectOptions,
  print: (line: string) => void,
  warn: (line: string) => void,
): Promise<number> {
  const dataDir = resolve(options.dataDir);
  const dataLogDir = resolve(options.dataLogDir ?? options.dataDir);
  for (const directory of new Set([dataDir, dataLogDir])) {
    const pid = await liveLockHolder(directory);
    if (pid !== null) {
      warn(
        `warning: a server (pid ${pid}) holds ${directory}: its files change while this reads ` +
          'them, so the newest snapshot or log records may show as incomplete',
      );
    }
  }
  const paths = raftPaths(dataDir, dataLogDir);
  const member = await readFile(join(dataDir, 'raft-member'), 'latin1').catch(() => null);
  print(`data directory ${dataDir}, log directory ${dataLogDir}`);
  print(`member id: ${member === null ? '(none recorded)' : member.trim()}`);
  const hard = await readHardState(nodeDisk, paths.statePath).catch(
    (error: unknown) => `unreadable (${(error as Error).message})`,
  );
  const shown =
    hard === null || typeof hard === 'string'
      ? (hard ?? '(none)')
      : `term ${hard.term}, vote ${hard.vote}, commit ${hard.commit}`;
  print(`hard state: ${shown}`);
  const snapshots = await listSnapshots(paths.snapshotDirectory, nodeDisk);
  print(`snapshots in ${paths.snapshotDirectory}: ${snapshots.length}`);
  let damaged = 0;
  for (const file of snapshots) {
    try {
      print(`  ${file.path}: ${describeSnapshot(await checkSnapshotFile(file.path))}`);
    } catch (error) {
      print(`  ${file.path}: DAMAGED: ${(error as Error).message}`);
      damaged += 1;
    }
  }
  if (options.log) {
    print(`log in ${paths.logDirectory}:`);
    const count = await printLog(paths.logDirectory, (line) => print(`  ${line}`));
    print(`${count} log records`);
  }
  return damaged;
}
