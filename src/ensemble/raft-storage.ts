/**
 * Durable Raft storage for an ensemble member: the `LogStorage` the consensus core reads
 * (served from memory, like MemoryStorage, which it wraps) plus the host's duties of making a
 * Ready durable, installing a leader's snapshot, and compacting after a tree snapshot. Files:
 * see raft-layout.ts. Any failed write or fsync stops it for good (`failure`): Raft must not
 * go on after it may have lost a write it promised, so the host stops and restarts.
 */
import { MemoryStorage } from '../consensus/memory-storage.js';
import type { InitialState, LogStorage } from '../consensus/storage.js';
import {
  emptyHardState,
  entryBytes,
  noNode,
  type Entry,
  type HardState,
  type Index,
  type Membership,
  type Snapshot,
  type SnapshotMeta,
  type Term,
} from '../consensus/types.js';
import { nodeDisk, type Disk } from '../storage/disk.js';
import { StorageError } from '../storage/errors.js';
import { ensureDirectory } from '../storage/layout.js';
import { snapRetainCountMin, walSegmentBytesMaxDefault } from '../storage/limits.js';
import type { StorageLogger } from '../storage/logger.js';
import { openWal, type Wal } from '../storage/wal.js';
import { assert } from '../util/assert.js';
import { raftHeldEntryBytesMax, raftRetainEntriesDefault } from '../util/limits.js';
import { readHardState, writeHardState } from './hard-state-file.js';
import { entryToRecord } from './raft-entry-record.js';
import { raftPaths, type RaftPaths } from './raft-layout.js';
import { dropAllSegments, openRaftLog, purgeSegmentsThrough } from './raft-log-files.js';
import {
  adoptStagedSnapshot,
  loadNewestRaftSnapshot,
  peekSnapshotMeta,
  purgeOldSnapshots,
  raftSnapshotPath,
  removeSnapshotLeftovers,
  stageReceivedSnapshot,
  writeRaftSnapshot,
  type RaftSnapshotContents,
} from './raft-snapshot-files.js';
import { walBatches } from './wal-batches.js';

export interface RaftStorageOptions {
  readonly dataDir: string;
  readonly dataLogDir: string;
  readonly logger: StorageLogger;
  readonly disk?: Disk;
  /** The membership before any snapshot exists (a new ensemble); ignored once one does. */
  readonly initialMembership: Membership;
  /** Roll to a new WAL segment after this many bytes. Default walSegmentBytesMaxDefault. */
  readonly segmentBytesMax?: number;
  /** Entries kept behind a snapshot for lagging followers. Default raftRetainEntriesDefault. */
  readonly retainEntries?: number;
  /** Snapshots kept, at least snapRetainCountMin (3, the default). */
  readonly snapRetainCount?: number;
}

export interface OpenedRaftStorage {
  readonly storage: RaftDiskStorage;
  /** The tree records of the latest snapshot (meta record stripped); null if there is none. */
  readonly snapshotRecords: Buffer[] | null;
}

/** What persist needs of a Ready; `records` lets a host hand over a snapshot's contents. */
export interface RaftPersistInput {
  readonly hardState?: HardState | undefined;
  readonly entries: readonly Entry[];
  readonly snapshot?: (Snapshot & { readonly records?: readonly Buffer[] }) | undefined;
}

interface Settings {
  readonly disk: Disk;
  readonly paths: RaftPaths;
  readonly logger: StorageLogger;
  readonly segmentBytesMax: number;
  readonly retainEntries: number;
  readonly snapRetainCount: number;
}

const noData = Buffer.alloc(0);

export class RaftDiskStorage implements LogStorage {
  /** Bytes (entryBytes) of the entries held in memory, capped by raftHeldEntryBytesMax. */
  private heldBytes: number;
  /** The hard state as last written to raft-state (commit there may lag). */
  private durableHardState: HardState;
  private persisting = false;
  private installing = false;
  private snapshotTask: Promise<void> | null = null;
  /** The running (or last) persist or install, settled either way. */
  private ioTask: Promise<void> = Promise.resolve();
  private closed = false;
  private failedWith: Error | null = null;

  private constructor(
    private readonly settings: Settings,
    private wal: Wal,
    private readonly memory: MemoryStorage,
    durableHardState: HardState,
  ) {
    this.durableHardState = durableHardState;
    this.heldBytes = bytesOf(memory, memory.firstIndex(), memory.lastIndex() + 1);
  }

  static async open(options: RaftStorageOptions): Promise<OpenedRaftStorage> {
    const settings = settingsOf(options);
    const { disk, paths, logger } = settings;
    await ensureDirectory(disk, paths.snapshotDirectory);
    await ensureDirectory(disk, paths.logDirectory);
    await removeSnapshotLeftovers(disk, paths, logger);
    const snapshot = await loadNewestRaftSnapshot(disk, paths, logger);
    const meta = snapshot?.meta ?? { index: 0, term: 0, membership: options.initialMembership };
    const log = await openRaftLog(
      { disk, directory: paths.logDirectory, logger, segmentBytesMax: settings.segmentBytesMax },
      meta,
    );
    let stored: HardState | null;
    try {
      stored = await readHardState(disk, paths.statePath);
    } catch (error) {
      await log.wal.close();
      throw error;
    }
    const memory = new MemoryStorage(meta.membership);
    if (snapshot !== null) memory.applySnapshot({ meta, data: noData });
    memory.append(log.entries);
    memory.setHardState(startingHardState(memory, stored ?? emptyHardState, logger));
    const storage = new RaftDiskStorage(settings, log.wal, memory, stored ?? emptyHardState);
    return { storage, snapshotRecords: snapshot?.records ?? null };
  }

  /** The error that stopped this storage, or null; after one, the host must stop. */
  get failure(): Error | null {
    return this.failedWith ?? this.wal.failure;
  }

  // ---- LogStorage: synchronous, from memory ----

  initialState(): InitialState {
    return this.memory.initialState();
  }

  firstIndex(): Index {
    return this.memory.firstIndex();
  }

  lastIndex(): Index {
    return this.memory.lastIndex();
  }

  term(index: Index): Term | undefined {
    return this.memory.term(index);
  }

  entries(lo: Index, hi: Index, bytesMax: number): Entry[] {
    return this.memory.entries(lo, hi, bytesMax);
  }

  /** The latest snapshot's meta with empty data: the host sends the file (snapshotFile()). */
  snapshot(): Snapshot {
    return this.memory.snapshot();
  }

  // ---- the host's duties ----

  /**
   * Step 1 of a Ready: the snapshot (if any), then the entries (cutting a conflicting suffix
   * first) in one WAL append and fdatasync, then the hard state file, but only when term or
   * vote changed (a commit alone is written lazily: it is recoverable, and clamped at start).
   * Entries go before the hard state so that a durable commit never points at entries that
   * are not. Rejects on any failure, after which `failure` is set. One persist at a time.
   */
  async persist(ready: RaftPersistInput): Promise<void> {
    assert(!this.closed, 'persist on closed Raft storage');
    assert(!this.persisting, 'persist while another persist is running');
    assert(!this.installing, 'persist while installSnapshot is running');
    this.throwIfFailed();
    this.persisting = true;
    try {
      await this.track(this.persistSteps(ready));
    } finally {
      this.persisting = false;
    }
  }

  /**
   * Installs the snapshot of a Ready (the core accepted it): `fileBytes` is a whole file as
   * snapshotFile() produced it on the leader. Verifies it, stages it durably, gives it its
   * real name, then drops the whole log; returns its meta and tree records. A file that does
   * not verify rejects with CorruptSnapshotError and changes nothing; an I/O failure after
   * verification stops the storage. Call it in step 1 of that Ready, before persist.
   */
  async installSnapshot(fileBytes: Buffer): Promise<RaftSnapshotContents> {
    assert(!this.closed, 'installSnapshot on closed Raft storage');
    assert(!this.persisting, 'installSnapshot while persist is running');
    assert(!this.installing, 'installSnapshot while another one is running');
    this.throwIfFailed();
    this.installing = true;
    try {
      return await this.track(this.installSteps(fileBytes));
    } finally {
      this.installing = false;
    }
  }

  /** The meta of a snapshot file's bytes (its first record), without reading the rest. */
  snapshotFileMeta(fileBytes: Buffer): SnapshotMeta {
    return peekSnapshotMeta(fileBytes);
  }

  /**
   * The host took a tree snapshot at applied index `index`: writes it (meta record first),
   * then compacts the in-memory log to index - retainEntries and purges WAL segments wholly
   * below that and snapshots beyond snapRetainCount. It may run while persist() does. A
   * failure rejects without stopping the storage: the log still holds everything.
   */
  async saveSnapshot(
    index: Index,
    membership: Membership,
    records: AsyncIterable<Buffer> | Iterable<Buffer>,
  ): Promise<void> {
    assert(!this.closed, 'saveSnapshot on closed Raft storage');
    assert(this.snapshotTask === null, 'saveSnapshot while another one is running');
    this.throwIfFailed();
    // Nothing newer to save (e.g. a leader's snapshot was just installed at this index).
    if (index <= this.memory.snapshot().meta.index) return;
    assert(index <= this.lastIndex(), `saveSnapshot(${index}): past the log`);
    const term = this.memory.term(index);
    assert(term !== undefined, `saveSnapshot(${index}): index compacted`);
    const task = this.writeAndCompact({ index, term, membership }, records);
    this.snapshotTask = task.finally(() => {
      this.snapshotTask = null;
    });
    await this.snapshotTask;
  }

  /** The latest snapshot file's bytes (read on demand), or null if there is none. */
  async snapshotFile(): Promise<Buffer | null> {
    const index = this.memory.snapshot().meta.index;
    if (index === 0) return null;
    return this.settings.disk.readFile(raftSnapshotPath(this.settings.paths, index));
  }

  /** Waits for running operations, writes a lagging commit, and closes the WAL. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Their callers see their errors; here they only have to be over.
    await this.ioTask;
    await this.snapshotTask?.catch(() => undefined);
    const hardState = this.memory.initialState().hardState;
    if (this.failure === null && hardState.commit !== this.durableHardState.commit) {
      const { disk, paths } = this.settings;
      await writeHardState(disk, paths.stateDirectory, paths.statePath, hardState).catch(
        (error: unknown) => {
          // Commit is recoverable from the leader; losing it costs only a little replay.
          this.settings.logger.warn({ err: error }, 'could not write the Raft commit at close');
        },
      );
    }
    await this.wal.close();
  }

  // ---- internals ----

  private async persistSteps(ready: RaftPersistInput): Promise<void> {
    const { snapshot, entries, hardState } = ready;
    if (snapshot !== undefined) await this.guard(this.persistSnapshot(snapshot));
    if (entries.length > 0) await this.persistEntries(entries);
    if (hardState !== undefined) await this.guard(this.persistHardState(hardState));
  }

  private async installSteps(fileBytes: Buffer): Promise<RaftSnapshotContents> {
    const { disk, paths } = this.settings;
    const contents = await stageReceivedSnapshot(disk, paths, fileBytes);
    const meta = contents.meta;
    const current = this.memory.snapshot().meta.index;
    assert(meta.index > current, `installSnapshot: ${meta.index} is not newer than ${current}`);
    await this.guard(this.replaceLog(meta, () => adoptStagedSnapshot(disk, paths, meta.index)));
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

  private async persistSnapshot(snapshot: NonNullable<RaftPersistInput['snapshot']>) {
    const meta = snapshot.meta;
    const current = this.memory.snapshot().meta;
    // installSnapshot already did it (the usual way: the Ready's data is the leader's file).
    if (meta.index === current.index && meta.term === current.term) return;
    assert(meta.index > current.index, `persist: snapshot ${meta.index} is not newer`);
    const records = snapshot.records;
    assert(records !== undefined, `persist: snapshot ${meta.index} has no records to write`);
    const { disk, paths, logger } = this.settings;
    await this.replaceLog(meta, () => writeRaftSnapshot(disk, paths, meta, records, logger));
  }

  /**
   * Makes `meta`'s snapshot durable (`writeFile`), then drops the whole log. A crash between
   * leaves the old log after the new snapshot; start-up recognises that by the term at the
   * snapshot's index (raft-log-files.ts) and drops it then.
   */
  private async replaceLog(meta: SnapshotMeta, writeFile: () => Promise<void>): Promise<void> {
    const { disk, paths, logger } = this.settings;
    await writeFile();
    await this.wal.close();
    await dropAllSegments(disk, paths.logDirectory);
    this.wal = await openWal({
      directory: paths.logDirectory,
      disk,
      logger,
      segmentBytesMax: this.settings.segmentBytesMax,
      nextZxid: meta.index + 1,
      last: null,
    });
    this.memory.applySnapshot({ meta, data: noData });
    this.heldBytes = 0;
  }

  private async persistEntries(entries: readonly Entry[]): Promise<void> {
    const first = entries[0];
    assert(first !== undefined, 'persistEntries: no entries');
    const snapshotIndex = this.memory.snapshot().meta.index;
    assert(first.index > snapshotIndex, `persist: entry ${first.index} is inside the snapshot`);
    const last = this.lastIndex();
    assert(first.index <= last + 1, `persist: entry ${first.index} leaves a gap after ${last}`);
    const replaced = first.index <= last ? bytesOf(this.memory, first.index, last + 1) : 0;
    const held = this.heldBytes - replaced + entries.reduce((sum, e) => sum + entryBytes(e), 0);
    if (held > raftHeldEntryBytesMax) {
      throw new StorageError(
        'WARREN_STORAGE_LIMIT',
        `the Raft log would hold ${held} bytes in memory, over raftHeldEntryBytesMax ` +
          `(${raftHeldEntryBytesMax}); snapshots are not keeping up with writes.`,
      );
    }
    await this.guard(this.writeEntries(first.index <= last ? first.index : null, entries));
    this.memory.append(entries);
    this.heldBytes = held;
  }

  private async writeEntries(truncateFrom: Index | null, entries: readonly Entry[]) {
    if (truncateFrom !== null) await this.wal.truncateFrom(truncateFrom);
    // One append in practice; a Ready over the WAL's batch caps is split.
    for (const batch of walBatches(entries.map(entryToRecord))) await this.wal.append(batch);
  }

  private async persistHardState(hardState: HardState): Promise<void> {
    this.memory.setHardState(hardState);
    const durable = this.durableHardState;
    if (hardState.term === durable.term && hardState.vote === durable.vote) return;
    const { disk, paths } = this.settings;
    await writeHardState(disk, paths.stateDirectory, paths.statePath, hardState);
    this.durableHardState = hardState;
  }

  private async writeAndCompact(
    meta: SnapshotMeta,
    records: AsyncIterable<Buffer> | Iterable<Buffer>,
  ): Promise<void> {
    const { disk, paths, logger } = this.settings;
    await writeRaftSnapshot(disk, paths, meta, records, logger);
    // A snapshot from the leader may have replaced the log while this one was written.
    if (this.closed || meta.index <= this.memory.snapshot().meta.index) return;
    this.memory.createSnapshot(meta.index, meta.membership, noData);
    const floor = Math.max(this.firstIndex() - 1, meta.index - this.settings.retainEntries);
    this.heldBytes -= bytesOf(this.memory, this.firstIndex(), floor + 1);
    this.memory.compact(floor);
    try {
      await purgeSegmentsThrough(disk, paths.logDirectory, floor);
      await purgeOldSnapshots(disk, paths, this.settings.snapRetainCount);
    } catch (error) {
      // Retention only frees space; the next snapshot tries again.
      logger.warn({ err: error }, 'purging old Raft snapshots and log segments failed');
    }
  }

  /** Awaits an I/O step; any error it throws stops the storage for good. */
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
    throw new StorageError(
      code,
      `Raft storage is stopped by an earlier failure: ${failure.message}`,
      {
        cause: failure,
      },
    );
  }
}

function settingsOf(options: RaftStorageOptions): Settings {
  const snapRetainCount = options.snapRetainCount ?? snapRetainCountMin;
  if (!Number.isInteger(snapRetainCount) || snapRetainCount < snapRetainCountMin) {
    throw new StorageError(
      'WARREN_STORAGE_CONFIG',
      `snapRetainCount is ${snapRetainCount}; it must be an integer of at least ` +
        `${snapRetainCountMin}, so a damaged newest snapshot leaves older ones to recover from.`,
    );
  }
  const retainEntries = options.retainEntries ?? raftRetainEntriesDefault;
  assert(Number.isSafeInteger(retainEntries) && retainEntries >= 0, 'bad retainEntries');
  return {
    disk: options.disk ?? nodeDisk,
    paths: raftPaths(options.dataDir, options.dataLogDir),
    logger: options.logger,
    segmentBytesMax: options.segmentBytesMax ?? walSegmentBytesMaxDefault,
    retainEntries,
    snapRetainCount,
  };
}

/**
 * The hard state the core starts from: commit clamped into [snapshot, last index] (a lazily
 * written commit may lag, and the snapshot is committed), and the term raised to the log's
 * last term if a crash kept entries but lost the hard state written after them (no message
 * of that term left before it, so no vote was promised in it).
 */
function startingHardState(
  memory: MemoryStorage,
  stored: HardState,
  logger: StorageLogger,
): HardState {
  const lastIndex = memory.lastIndex();
  const snapshotIndex = memory.snapshot().meta.index;
  const commit = Math.min(Math.max(stored.commit, snapshotIndex), lastIndex);
  const lastTerm = memory.term(lastIndex) ?? 0;
  if (lastTerm <= stored.term) return { ...stored, commit };
  logger.warn(
    { storedTerm: stored.term, logTerm: lastTerm },
    'the Raft log ends in a later term than the stored hard state; starting in that term',
  );
  return { term: lastTerm, vote: noNode, commit };
}

/** entryBytes of the held entries [lo, hi). */
function bytesOf(memory: MemoryStorage, lo: Index, hi: Index): number {
  if (lo >= hi) return 0;
  return memory.entries(lo, hi, Infinity).reduce((sum, entry) => sum + entryBytes(entry), 0);
}
