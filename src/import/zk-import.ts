/**
 * `warren import`: a stopped ZooKeeper's data directory (snapshots and logs, 3.4–3.9)
 * becomes a new Warren data directory. The tree, sessions with their ephemerals, zxids, ACLs
 * and node types are kept; the result is the founding snapshot of a one-voter membership at
 * the last zxid, as a 0.1.0 conversion's is, so the server starts on it like on its own.
 */
import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { writeFoundingSnapshot } from '../member/founding-snapshot.js';
import { claimIdentity } from '../member/member-identity.js';
import { nodeDisk } from '../storage/disk.js';
import { raftPaths } from '../storage/raft-layout.js';
import type { DataTree } from '../tree/data-tree.js';
import { ImportError } from './import-error.js';
import { zkRecentWriteMs } from './import-limits.js';
import { listLogs, listSnapshots, versionFolder } from './zk-files.js';
import { loadZooKeeper } from './zk-load.js';
import { runningZooKeeper } from './zk-running.js';
import { dropOrphanEphemerals, settleSystemNodes } from './zk-tree-fixups.js';

/** Beside the target while it is written. */
const stagingSuffix = '.importing';

export interface ImportOptions {
  readonly zooKeeperDataDir: string;
  /** ZooKeeper's dataLogDir when it had one apart. */
  readonly zooKeeperDataLogDir?: string;
  readonly dataDir: string;
  readonly dataLogDir: string;
  /** The server the directory is for: 1 for a standalone server. */
  readonly serverId: number;
  readonly snapRetainCount: number;
  readonly ignoreDigest: boolean;
  readonly logger: Logger;
}

export interface ImportSummary {
  zxid: number;
  nodes: number;
  sessions: number;
  ephemerals: number;
  droppedEphemerals: number;
  snapshot: string | null;
  logs: number;
  txns: number;
  digestsChecked: number;
  bytes: number;
  ms: number;
}

export async function importZooKeeper(options: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const { logger } = options;
  await refuseNonEmpty(options.dataDir);
  if (options.dataLogDir !== options.dataDir) await refuseNonEmpty(options.dataLogDir);
  const snapFolder = await versionFolder(options.zooKeeperDataDir, 'ZooKeeper data dir');
  const logFolder = await versionFolder(
    options.zooKeeperDataLogDir ?? options.zooKeeperDataDir,
    'ZooKeeper data log dir',
  );
  const pid = await runningZooKeeper([snapFolder, logFolder]);
  if (pid !== null) {
    throw new ImportError(
      `ZooKeeper (pid ${pid}) is running on ${snapFolder}: stop it first (its newest ` +
        'writes may not be on disk yet, and it keeps writing)',
    );
  }
  const snapshots = await listSnapshots(snapFolder);
  const logs = await listLogs(logFolder);
  if (snapshots.length === 0 && logs.length === 0) {
    throw new ImportError(`${snapFolder} holds no ZooKeeper snapshot or log`);
  }
  const newest = logs[logs.length - 1];
  if (newest !== undefined && Date.now() - newest.modifiedMs < zkRecentWriteMs) {
    logger.warn(
      { file: newest.path },
      'the newest log was written seconds ago: make sure ZooKeeper is stopped',
    );
  }
  const loaded = await loadZooKeeper({
    snapshots,
    logs,
    ignoreDigest: options.ignoreDigest,
    logger,
  });
  const { tree } = loaded;
  const droppedEphemerals = dropOrphanEphemerals(tree);
  settleSystemNodes(tree);
  tree.digest = tree.computeDigest();
  await writeStaged(options, tree);
  let ephemerals = 0;
  for (const paths of tree.ephemerals.values()) ephemerals += paths.size;
  return {
    zxid: tree.lastZxid,
    nodes: tree.nodeCount,
    sessions: tree.sessions.size,
    ephemerals,
    droppedEphemerals,
    snapshot: loaded.snapshot?.path ?? null,
    logs: loaded.logsRead,
    txns: loaded.txns,
    digestsChecked: loaded.digestsChecked,
    bytes: loaded.bytes,
    ms: Date.now() - started,
  };
}

/**
 * Writes the directory beside its place and renames it there once complete, so a crash
 * midway never leaves a directory a server would start on empty. Its log is empty: with a
 * separate dataLogDir, the server makes its log folder at start.
 */
async function writeStaged(options: ImportOptions, tree: DataTree): Promise<void> {
  const { dataDir, dataLogDir, logger } = options;
  const staging = `${dataDir}${stagingSuffix}`;
  // Only an import that stopped midway leaves this name.
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const places = { ...options, dataDir: staging, dataLogDir: staging, disk: nodeDisk, logger };
  await writeFoundingSnapshot({ ...places, selfId: options.serverId }, tree);
  await claimIdentity(nodeDisk, staging, options.serverId);
  if (dataLogDir !== dataDir) {
    await rm(raftPaths(staging, staging).logDirectory, { recursive: true });
    await mkdir(dataLogDir, { recursive: true });
  }
  // An empty directory the operator made is replaced; a non-empty one was refused.
  await rmdir(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(staging, dataDir);
  await nodeDisk.syncDirectory(dirname(dataDir));
}

async function refuseNonEmpty(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (entries.length > 0) {
    throw new ImportError(
      `${dir} is not empty: import writes a new Warren data directory, never over one`,
    );
  }
}
