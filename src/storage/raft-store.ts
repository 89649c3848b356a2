/**
 * The durable half of a member's Raft log: WAL segments keyed by index, the hard state file and
 * snapshot files (layout: raft-layout.ts). It keeps no entries in memory; the member's
 * in-memory log (member/raft-log.ts) is filled from what `open` read and follows every persist.
 *
 * A failed write or fsync stops it (`failure`). A write that failed before its fsync (no space)
 * left the synced prefix intact: `tryRecover` cuts back to it and the same persist can be tried
 * again. A failed fsync is final: the kernel may have dropped data it no longer reports, so
 * only a restart, which re-reads the files, is safe.
 */
import { StorageError } from './errors.js';
import type { Disk } from './disk.js';
import { readHardState, writeHardState } from './hard-state-file.js';
import { ensureDirectory } from './layout.js';
import type { StorageLogger } from './logger.js';
import { entryToRecord } from './raft-entry-record.js';
import { raftPaths, type RaftPaths } from './raft-layout.js';
import { dropAllSegments, openRaftLog, purgeSegmentsThrough } from './raft-log-files.js';
import {
  adoptStagedSnapshot,
  loadNewestRaftSnapshot,
  peekSnapshotMeta,
  purgeOldSnapshots,
  raftSnapshotPath,
  recordCollector,
  removeSnapshotLeftovers,
  stageReceivedSnapshot,
  writeRaftSnapshot,
  type RaftSnapshotContents,
  type RaftSnapshotLoader,
} from './raft-snapshot-files.js';
import type {
  StoredEntry,
  StoredHardState,
  StoredMembership,
  StoredSnapshotMeta,
} from './raft-types.js';
import { walBatches } from './wal-batches.js';
import { openWal, type Wal } from './wal.js';
import { assert, fail } from '../util/assert.js';

export interface RaftStoreOptions {
  readonly dataDir: string;
  readonly dataLogDir: string;
  readonly logger: StorageLogger;
  readonly disk: Disk;
  /** The membership before any snapshot exists (a new ensemble); ignored once one does. */
  readonly initialMembership: StoredMembership;
  readonly segmentBytesMax: number;
  readonly snapRetainCount: number;
  /**
   * The operator's --repair-log: drop damage at the end of the log, and lower a stored
   * commit index past the log's end, each after a warning, instead of refusing to start.
   */
  readonly repairLog?: boolean;
  /**
   * Takes the newest snapshot's records as they are read (the host rebuilds its state from
   * them without the file ever held whole). Absent: they are kept in `snapshotRecords`.
   */
  readonly snapshotLoader?: RaftSnapshotLoader;
}

/** What start-up found on disk. */
export interface RaftStoreContents {
  readonly store: RaftStore;
  /** The newest snapshot's meta (index 0 and the initial membership when there is none). */
  readonly snapshotMeta: StoredSnapshotMeta;
  /**
   * Its tree records (meta record stripped); null if there is no snapshot, or if the options'
   * snapshotLoader took them.
   */
  readonly snapshotRecords: Buffer[] | null;
  /** The entries after the snapshot, in index order. */
  readonly entries: readonly StoredEntry[];
  /** The hard state to start from: commit raised to the snapshot (never past the log). */
  readonly hardState: StoredHardState;
}

/** What a Ready asks to make durable; `records` when a host hands over a snapshot's contents. */
export interface RaftStoreWrite {
  readonly hardState?: StoredHardState | undefined;
  readonly entries: readonly StoredEntry[];
  readonly snapshot?: { readonly meta: StoredSnapshotMeta; readonly records?: readonly Buffer[] };
  /**
   * Write the newest commit index durably now, not lazily: the Ready applies a membership
   * change, which a restart must find committed, or it would campaign with the old one.
   */
  readonly commitDurably?: boolean;
}

const emptyHardState: StoredHardState = { term: 0, vote: 0, commit: 0 };

export class RaftStore {
  private snapshotMetaNow: StoredSnapshotMeta;
  private lastIndexNow: number;
  /** The hard state as last written to raft-state (commit there may lag). */
  private durableHardState: StoredHardState;
  /** The newest hard state a persist carried (its commit is written lazily, at close). */
  private latestHardState: StoredHardState;
  private persisting = false;
  private installing = false;
  private snapshotting = false;
  /** The running (or last) persist or install, settled either way. */
  private ioTask: Promise<void> = Promise.resolve();
  private snapshotTask: Promise<unknown> = Promise.resolve();
  private closed = false;
  private failedWith: Error | null = null;

  private constructor(
    private readonly options: RaftStoreOptions,
    private readonly paths: RaftPaths,
    private wal: Wal,
    snapshotMeta: StoredSnapshotMeta,
    lastIndex: number,
    hardState: StoredHardState,
  ) {
    this.snapshotMetaNow = snapshotMeta;
    this.lastIndexNow = lastIndex;
    this.durableHardState = hardState;
    this.latestHardState = hardState;
  }

  static async open(options: RaftStoreOptions): Promise<RaftStoreContents> {
    const { disk, logger } = options;
    const paths = raftPaths(options.dataDir, options.dataLogDir);
    await ensureDirectory(disk, paths.snapshotDirectory);
    await ensureDirectory(disk, paths.logDirectory);
    await removeSnapshotLeftovers(disk, paths, logger);
    const collector = recordCollector();
    const loader = options.snapshotLoader;
    const snapshot = await loadNewestRaftSnapshot(disk, paths, logger, loader ?? collector.load);
    const meta = snapshot ?? { index: 0, term: 0, membership: options.initialMembership };
    const logOptions = {
      disk,
      directory: paths.logDirectory,
      logger,
      segmentBytesMax: options.segmentBytesMax,
      repair: options.repairLog === true,
    };
    const log = await openRaftLog(logOptions, meta);
    let stored: StoredHardState | null;
    try {
      stored = await readHardState(disk, paths.statePath);
    } catch (error) {
      await log.wal.close();
      throw error;
    }
    const durable = stored ?? emptyHardState;
    const lastIndex = log.entries[log.entries.length - 1]?.index ?? meta.index;
    const lastTerm = log.entries[log.entries.length - 1]?.term ?? meta.term;
    let hardState: StoredHardState;
    try {
      const found = { snapshotIndex: meta.index, lastIndex, lastTerm, statePath: paths.statePath };
      hardState = startingHardState(durable, found, options.repairLog === true, logger);
    } catch (error) {
      await log.wal.close();
      throw error;
    }
    const store = new RaftStore(options, paths, log.wal, meta, lastIndex, durable);
    store.latestHardState = hardState;
    const snapshotRecords = snapshot === null || loader !== undefined ? null : collector.records();
    return { store, snapshotMeta: meta, snapshotRecords, entries: log.entries, hardState };
  }

  /** The error that stopped this store, or null; see tryRecover. */
  get failure(): Error | null {
    return this.failedWith ?? this.wal.failure;
  }

  get snapshotMeta(): StoredSnapshotMeta {
    return this.snapshotMetaNow;
  }

  get lastIndex(): number {
    return this.lastIndexNow;
  }

  /**
   * Step 1 of a Ready: the snapshot (if any), then the entries (cutting a conflicting suffix
   * first) in one WAL append and fdatasync, then the hard state file, but only when term or
   * vote changed (a commit alone is written lazily: it is recoverable, and clamped at start),
   * or when the Ready applies a membership change (`commitDurably`).
   * Entries go before the hard state so that a durable commit never points at entries that
   * are not. Rejects on any failure, after which `failure` is set. One persist at a time.
   */
  async persist(write: RaftStoreWrite): Promise<void> {
    assert(!this.closed, 'persist on a closed Raft store');
    assert(!this.persisting && !this.installing, 'persist while another write is running');
    this.throwIfFailed();
    this.persisting = true;
    try {
      await this.track(this.persistSteps(write));
    } finally {
      this.persisting = false;
    }
  }

  /** A new commit index with the same term and vote: kept, written lazily (see persist). */
  noteCommit(hardState: StoredHardState): void {
    const latest = this.latestHardState;
    assert(
      hardState.term === latest.term && hardState.vote === latest.vote,
      'noteCommit: the term or vote changed; that must be persisted',
    );
    this.latestHardState = hardState;
  }

  /**
   * Installs a leader's snapshot file (the core accepted it): verifies it, stages it durably,
   * gives it its real name, then drops the whole log; returns its meta and tree records. A
   * file that does not verify rejects with CorruptSnapshotError and changes nothing; an I/O
   * failure after verification stops the store. Call it before the Ready's persist.
   */
  async installSnapshot(fileBytes: Buffer): Promise<RaftSnapshotContents> {
    assert(!this.closed, 'installSnapshot on a closed Raft store');
    assert(!this.persisting && !this.installing, 'installSnapshot while another write runs');
    this.throwIfFailed();
    this.installing = true;
    try {
      return await this.track(this.installSteps(fileBytes));
    } finally {
      this.installing = false;
    }
  }

  /** The meta of a snapshot file's bytes (its first record), without reading the rest. */
  snapshotFileMeta(fileBytes: Buffer): StoredSnapshotMeta {
    return peekSnapshotMeta(fileBytes);
  }

  /**
   * Writes a snapshot the host took at `meta.index` (meta record first). Resolves true when it
   * became the newest snapshot, false when a leader's snapshot installed meanwhile covers as
   * much. It may run while persist() does; a failure rejects without stopping the store.
   */
  async writeSnapshot(
    meta: StoredSnapshotMeta,
    records: AsyncIterable<Buffer> | Iterable<Buffer>,
  ): Promise<boolean> {
    assert(!this.closed, 'writeSnapshot on a closed Raft store');
    assert(!this.snapshotting, 'writeSnapshot while another one is running');
    this.throwIfFailed();
    if (meta.index <= this.snapshotMetaNow.index) return false;
    assert(meta.index <= this.lastIndexNow, `writeSnapshot(${meta.index}): past the log`);
    this.snapshotting = true;
    const task = this.writeAndAdopt(meta, records);
    this.snapshotTask = task.catch(() => undefined);
    try {
      return await task;
    } finally {
      this.snapshotting = false;
    }
  }

  /** Removes WAL segments wholly at or below `index`, and snapshots past snapRetainCount. */
  async purge(index: number): Promise<void> {
    const { disk, logger } = this.options;
    try {
      await purgeSegmentsThrough(disk, this.paths.logDirectory, index);
      await purgeOldSnapshots(disk, this.paths, this.options.snapRetainCount);
    } catch (error) {
      // Retention only frees space; the next snapshot tries again.
      logger.warn({ err: error }, 'purging old Raft snapshots and log segments failed');
    }
  }

  /** The newest snapshot file's bytes (read on demand), or null if there is none. */
  async snapshotFile(): Promise<Buffer | null> {
    const index = this.snapshotMetaNow.index;
    if (index === 0) return null;
    return this.options.disk.readFile(raftSnapshotPath(this.paths, index));
  }

  /**
   * After a failure: true once the store accepts writes again. Only a write that failed before
   * its fsync can be undone (the WAL cuts back to its synced end); anything else is final.
   */
  async tryRecover(): Promise<boolean> {
    assert(!this.persisting && !this.installing, 'tryRecover while a write is running');
    const failure = this.failure;
    if (failure === null) return true;
    if (!(failure instanceof StorageError) || failure.code !== 'WARREN_STORAGE_WRITE') return false;
    if (this.wal.failure !== null && !(await this.wal.tryRecover())) return false;
    this.failedWith = null;
    return true;
  }

  /** Waits for running operations, writes a lagging commit, and closes the WAL. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Their callers see their errors; here they only have to be over.
    await this.ioTask;
    await this.snapshotTask;
    const latest = this.latestHardState;
    if (this.failure === null && latest.commit !== this.durableHardState.commit) {
      const { statePath, stateDirectory } = this.paths;
      await writeHardState(this.options.disk, stateDirectory, statePath, latest).catch(
        (error: unknown) => {
          // Commit is recoverable from the leader; losing it costs only a little replay.
          this.options.logger.warn({ err: error }, 'could not write the Raft commit at close');
        },
      );
    }
    await this.wal.close();
  }

  // ---- internals ----

  private async persistSteps(write: RaftStoreWrite): Promise<void> {
    const { snapshot, entries, hardState } = write;
    if (snapshot !== undefined) await this.guard(this.persistSnapshot(snapshot));
    if (entries.length > 0) await this.guard(this.persistEntries(entries));
    const next = hardState ?? this.latestHardState;
    if (hardState !== undefined || write.commitDurably === true) {
      await this.guard(this.persistHardState(next, write.commitDurably === true));
    }
  }

  private async installSteps(fileBytes: Buffer): Promise<RaftSnapshotContents> {
    const { disk } = this.options;
    const contents = await stageReceivedSnapshot(disk, this.paths, fileBytes);
    const meta = contents.meta;
    const current = this.snapshotMetaNow.index;
    assert(meta.index > current, `installSnapshot: ${meta.index} is not newer than ${current}`);
    const adopt = () => adoptStagedSnapshot(disk, this.paths, meta.index);
    await this.guard(this.replaceLog(meta, adopt));
    return contents;
  }

  /** Remembers a running persist or install, so that close() can wait for it. */
  private track<T>(task: Promise<T>): Promise<T> {
    this.ioTask = task.then(
      () => undefined,
      () => undefined,
    );
    return task;
  }

  private async persistSnapshot(snapshot: NonNullable<RaftStoreWrite['snapshot']>) {
    const meta = snapshot.meta;
    const current = this.snapshotMetaNow;
    // installSnapshot already did it (the usual way: the Ready's data is the leader's file).
    if (meta.index === current.index && meta.term === current.term) return;
    assert(meta.index > current.index, `persist: snapshot ${meta.index} is not newer`);
    const records = snapshot.records;
    assert(records !== undefined, `persist: snapshot ${meta.index} has no records to write`);
    const { disk, logger } = this.options;
    await this.replaceLog(meta, () => writeRaftSnapshot(disk, this.paths, meta, records, logger));
  }

  /**
   * Makes `meta`'s snapshot durable (`writeFile`), then drops the whole log. A crash between
   * leaves the old log after the new snapshot; start-up recognises that by the term at the
   * snapshot's index (raft-log-files.ts) and drops it then.
   */
  private async replaceLog(meta: StoredSnapshotMeta, writeFile: () => Promise<void>) {
    const { disk, logger } = this.options;
    await writeFile();
    await this.wal.close();
    await dropAllSegments(disk, this.paths.logDirectory);
    this.wal = await openWal({
      directory: this.paths.logDirectory,
      disk,
      logger,
      segmentBytesMax: this.options.segmentBytesMax,
      nextZxid: meta.index + 1,
      last: null,
    });
    this.snapshotMetaNow = meta;
    this.lastIndexNow = meta.index;
  }

  private async persistEntries(entries: readonly StoredEntry[]): Promise<void> {
    const first = entries[0] as StoredEntry;
    const snapshotIndex = this.snapshotMetaNow.index;
    if (first.index <= snapshotIndex) fail(`persist: entry ${first.index} is inside the snapshot`);
    const last = this.lastIndexNow;
    if (first.index > last + 1) fail(`persist: entry ${first.index} leaves a gap after ${last}`);
    if (first.index <= last) await this.wal.truncateFrom(first.index);
    // One append in practice; a Ready over the WAL's batch caps is split.
    for (const batch of walBatches(entries.map(entryToRecord))) await this.wal.append(batch);
    this.lastIndexNow = (entries[entries.length - 1] as StoredEntry).index;
  }

  private async persistHardState(hardState: StoredHardState, commitToo: boolean): Promise<void> {
    this.latestHardState = hardState;
    const durable = this.durableHardState;
    const sameVote = hardState.term === durable.term && hardState.vote === durable.vote;
    if (sameVote && (!commitToo || hardState.commit === durable.commit)) return;
    const { statePath, stateDirectory } = this.paths;
    await writeHardState(this.options.disk, stateDirectory, statePath, hardState);
    this.durableHardState = hardState;
  }

  private async writeAndAdopt(
    meta: StoredSnapshotMeta,
    records: AsyncIterable<Buffer> | Iterable<Buffer>,
  ): Promise<boolean> {
    const { disk, logger } = this.options;
    await writeRaftSnapshot(disk, this.paths, meta, records, logger);
    // A snapshot from the leader may have replaced the log while this one was written.
    if (this.closed || meta.index <= this.snapshotMetaNow.index) return false;
    this.snapshotMetaNow = meta;
    return true;
  }

  /** Awaits an I/O step; any error it throws stops the store until tryRecover. */
  private async guard(step: Promise<void>): Promise<void> {
    try {
      await step;
    } catch (error) {
      this.failedWith ??= error instanceof Error ? error : new Error(String(error));
      throw error;
    }
  }

  private throwIfFailed(): void {
    const failure = this.failure;
    if (failure === null) return;
    const code = failure instanceof StorageError ? failure.code : 'WARREN_STORAGE_WRITE';
    const message = `Raft storage is stopped by an earlier failure: ${failure.message}`;
    throw new StorageError(code, message, { cause: failure });
  }
}

/** What start-up found on disk, against which the stored hard state is checked. */
interface FoundLog {
  readonly snapshotIndex: number;
  /** The last entry's index, or the snapshot's when the log holds none after it. */
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly statePath: string;
}

/**
 * The hard state to start from. A lazily written commit may lag: it is raised to the snapshot
 * (which is committed). It can never lead: entries are fsynced before any hard state that
 * commits them, and a snapshot covers what it compacted; so a commit past the last index
 * means committed entries were lost (a truncated or removed segment) and start-up refuses,
 * unless `repair` (--repair-log) lowers it with a warning. The term is raised to the log's
 * last term if a crash kept entries but lost the hard state written after them (no message
 * of that term left before it, so no vote was promised in it).
 */
function startingHardState(
  stored: StoredHardState,
  found: FoundLog,
  repair: boolean,
  logger: StorageLogger,
): StoredHardState {
  const { snapshotIndex, lastIndex, lastTerm } = found;
  if (stored.commit > lastIndex) checkCommitPastLog(stored.commit, found, repair, logger);
  const commit = Math.min(Math.max(stored.commit, snapshotIndex), lastIndex);
  if (lastTerm <= stored.term) return { ...stored, commit };
  logger.warn(
    { storedTerm: stored.term, logTerm: lastTerm },
    'the Raft log ends in a later term than the stored hard state; starting in that term',
  );
  return { term: lastTerm, vote: 0, commit };
}

/** Refuses a commit past the log's end; under repair, says that it is lowered instead. */
function checkCommitPastLog(
  storedCommit: number,
  found: FoundLog,
  repair: boolean,
  logger: StorageLogger,
): void {
  const { lastIndex, statePath } = found;
  const missing = `entries ${lastIndex + 1} to ${storedCommit}`;
  if (repair) {
    logger.warn(
      { path: statePath, storedCommit, lastIndex, snapshotIndex: found.snapshotIndex },
      `--repair-log: lowering the Raft commit index from ${storedCommit} to ${lastIndex}, ` +
        `the end of the log; committed ${missing} are gone from this server`,
    );
    return;
  }
  throw new StorageError(
    'WARREN_RAFT_COMMIT_PAST_LOG',
    `Raft state file ${statePath} records commit index ${storedCommit}, but the log and ` +
      `snapshots end at index ${lastIndex}: committed ${missing} are missing (a log ` +
      'segment was truncated or removed), so Warren will not start. Restore this server from ' +
      'a replica or a backup, or start it once with `warren server --repair-log` to lower ' +
      'the commit index to the end of the log; an ensemble member then fetches the missing ' +
      'entries from the leader, a standalone server loses them.',
  );
}
