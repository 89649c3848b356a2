/**
 * Where an ensemble member keeps its Raft state, apart from a standalone server's `log` and
 * `snapshots` so that neither mode can misread the other's files: WAL segments (record zxid =
 * Raft index) in `<dataLogDir>/raft-log`, snapshots in `<dataDir>/raft-snapshots`, and the
 * hard state (term, vote, commit) in `<dataDir>/raft-state`.
 */
import { join } from 'node:path';

export interface RaftPaths {
  readonly logDirectory: string;
  readonly snapshotDirectory: string;
  readonly stateDirectory: string;
  readonly statePath: string;
  /** A snapshot received from the leader, verified but not yet adopted by the core. */
  readonly stagedSnapshotPath: string;
}

/** Suffix of a file being replaced atomically (written, fsynced, then renamed over). */
export const replacingSuffix = '.tmp';

export function raftPaths(dataDir: string, dataLogDir: string): RaftPaths {
  const snapshotDirectory = join(dataDir, 'raft-snapshots');
  return {
    logDirectory: join(dataLogDir, 'raft-log'),
    snapshotDirectory,
    stateDirectory: dataDir,
    statePath: join(dataDir, 'raft-state'),
    // Not named `snapshot.<index>`, so listings of adopted snapshots never see it.
    stagedSnapshotPath: join(snapshotDirectory, 'incoming.snapshot'),
  };
}
