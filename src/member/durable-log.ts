/**
 * The Raft log a member's consensus core reads (`LogStorage`), kept in memory like
 * MemoryStorage, over the durable store (storage/raft-store.ts) that makes each Ready
 * durable: every persist goes to disk first and into memory after, so the core never reads
 * an entry that is not durable. Entries stay in memory until a snapshot compacts them,
 * capped by raftHeldEntryBytesMax.
 */
import {
  MemoryStorage,
  entryBytes,
  type Entry,
  type HardState,
  type Index,
  type InitialState,
  type LogStorage,
  type Membership,
  type Snapshot,
  type SnapshotMeta,
  type Term,
} from '../consensus/index.js';
import { nodeDisk, type Disk } from '../storage/disk.js';
import { StorageError } from '../storage/errors.js';
import { snapRetainCountMin, walSegmentBytesMaxDefault } from '../storage/limits.js';
import type { StorageLogger } from '../storage/logger.js';
import type { RaftSnapshotContents, RaftSnapshotLoader } from '../storage/raft-snapshot-files.js';
import { RaftStore, type RaftStoreOptions } from '../storage/raft-store.js';
import type { StoredEntry, StoredHardState, StoredSnapshotMeta } from '../storage/raft-types.js';
import { assert, fail } from '../util/assert.js';
import {
  raftHeldEntryBytesMax,
  raftRetainBytesMax,
  raftRetainEntriesDefault,
} from '../util/limits.js';

// The storage layer has its own plain types (it imports only util); they must stay the
// consensus core's, in both directions.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShapes: [
  Same<StoredEntry, Entry>,
  Same<StoredHardState, HardState>,
  Same<StoredSnapshotMeta, SnapshotMeta>,
] = [true, true, true];
void sameShapes;

export interface DurableLogOptions {
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
  /** And their bytes at most (entryBytes). Default raftRetainBytesMax. */
  readonly retainBytes?: number;
  /** Snapshots kept, at least snapRetainCountMin (3, the default). */
  readonly snapRetainCount?: number;
  /** The operator's --repair-log (RaftStoreOptions.repairLog). */
  readonly repairLog?: boolean;
  /** Takes the newest snapshot's records as they are read (RaftStoreOptions.snapshotLoader). */
  readonly snapshotLoader?: RaftSnapshotLoader;
}

/** What persist needs of a Ready; `records` lets a host hand over a snapshot's contents. */
export interface PersistInput {
  readonly hardState?: HardState | undefined;
  readonly entries: readonly Entry[];
  readonly snapshot?: (Snapshot & { readonly records?: readonly Buffer[] }) | undefined;
  /** The Ready applies a membership change: its commit must be durable (RaftStore). */
  readonly commitDurably?: boolean;
}

export interface OpenedDurableLog {
  readonly storage: DurableLog;
  /**
   * The tree records of the latest snapshot (meta record stripped); null if there is none, or
   * if the options' snapshotLoader took them.
   */
  readonly snapshotRecords: Buffer[] | null;
}

const noData = Buffer.alloc(0);
/** forgetApplied keeps this many applied entries, and lets go of them this many at a time. */
const forgetKeepEntries = 16;
const forgetBatchEntries = 64;

export class DurableLog implements LogStorage {
  /** Bytes (entryBytes) of the entries held in memory, capped by raftHeldEntryBytesMax. */
  private heldBytes: number;

  private constructor(
    readonly store: RaftStore,
    private readonly memory: MemoryStorage,
    private readonly retainEntries: number,
    private readonly retainBytes: number,
  ) {
    this.heldBytes = bytesOf(memory, memory.firstIndex(), memory.lastIndex() + 1);
  }

  static async open(options: DurableLogOptions): Promise<OpenedDurableLog> {
    const retainEntries = options.retainEntries ?? raftRetainEntriesDefault;
    assert(Number.isSafeInteger(retainEntries) && retainEntries >= 0, 'bad retainEntries');
    const opened = await RaftStore.open(storeOptions(options));
    const meta = opened.snapshotMeta;
    const memory = new MemoryStorage(meta.membership);
    if (meta.index > 0) memory.applySnapshot({ meta, data: noData });
    memory.append(opened.entries);
    memory.setHardState(opened.hardState);
    const retainBytes = options.retainBytes ?? raftRetainBytesMax;
    assert(retainBytes >= 0 && retainBytes < raftHeldEntryBytesMax, 'bad retainBytes');
    const storage = new DurableLog(opened.store, memory, retainEntries, retainBytes);
    return { storage, snapshotRecords: opened.snapshotRecords };
  }

  /** The error that stopped the durable store, or null. */
  get failure(): Error | null {
    return this.store.failure;
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

  /** Step 1 of a Ready (see RaftStore.persist), then the same change in memory. */
  async persist(ready: PersistInput): Promise<void> {
    const { snapshot, entries, hardState, commitDurably } = ready;
    const held = this.heldAfter(entries);
    await this.store.persist({ snapshot, entries, hardState, commitDurably });
    if (snapshot !== undefined && snapshot.meta.index > this.memory.snapshot().meta.index) {
      this.memory.applySnapshot({ meta: snapshot.meta, data: noData });
      this.heldBytes = 0;
    }
    if (entries.length > 0) {
      this.memory.append(entries);
      this.heldBytes = held;
    }
    if (hardState !== undefined) this.memory.setHardState(hardState);
  }

  /**
   * A Ready whose only durable change is the commit index, which is written lazily: noted
   * at once, without I/O (RaftStore writes it at close or with the next term or vote).
   */
  noteCommit(hardState: HardState): void {
    this.store.noteCommit(hardState);
    this.memory.setHardState(hardState);
  }

  /** A leader's snapshot file (see RaftStore.installSnapshot); the log is dropped. */
  async installSnapshot(fileBytes: Buffer): Promise<RaftSnapshotContents> {
    const contents = await this.store.installSnapshot(fileBytes);
    this.memory.applySnapshot({ meta: contents.meta, data: noData });
    this.heldBytes = 0;
    return contents;
  }

  snapshotFileMeta(fileBytes: Buffer): SnapshotMeta {
    return this.store.snapshotFileMeta(fileBytes);
  }

  snapshotFile(): Promise<Buffer | null> {
    return this.store.snapshotFile();
  }

  /**
   * The host took a tree snapshot at applied index `index`: writes it, then compacts the
   * in-memory log to index - retainEntries and purges what the snapshot made obsolete.
   */
  async saveSnapshot(
    index: Index,
    membership: Membership,
    records: AsyncIterable<Buffer> | Iterable<Buffer>,
  ): Promise<void> {
    // Nothing newer to save (e.g. a leader's snapshot was just installed at this index).
    if (index <= this.memory.snapshot().meta.index) return;
    const term = this.memory.term(index);
    if (term === undefined) fail(`saveSnapshot(${index}): index compacted`);
    const meta = { index, term, membership };
    if (!(await this.store.writeSnapshot(meta, records))) return;
    if (index <= this.memory.snapshot().meta.index) return;
    this.memory.createSnapshot(index, membership, noData, term);
    if (index < this.firstIndex()) {
      // The only voter forgot past `index` while the snapshot was written (forgetApplied):
      // nothing left to compact in memory, and the disk keeps what follows `index`.
      await this.store.purge(Math.max(0, index - this.retainEntries));
      return;
    }
    const floor = this.retainFloor(index);
    this.heldBytes -= bytesOf(this.memory, this.firstIndex(), floor + 1);
    this.memory.compact(floor);
    await this.store.purge(floor);
  }

  /**
   * The only voter needs no entry it has applied (nobody will ask for one): keep a few behind
   * `applied` and let the rest go, so that entries die young instead of filling the heap
   * until the next snapshot. A follower added later is sent a fresh snapshot first.
   */
  forgetApplied(applied: Index): void {
    const floor = applied - forgetKeepEntries;
    if (floor - this.firstIndex() < forgetBatchEntries) return;
    this.heldBytes -= bytesOf(this.memory, this.firstIndex(), floor + 1);
    this.memory.forget(floor);
  }

  tryRecover(): Promise<boolean> {
    return this.store.tryRecover();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  /** Entry bytes held in memory (compacted by snapshots; see SnapshotPolicy). */
  get heldEntryBytes(): number {
    return this.heldBytes;
  }

  /**
   * The highest index to compact behind a snapshot at `index`: keep retainEntries entries for
   * lagging followers, but no more than retainBytes of them (big entries would otherwise keep
   * the log at its cap).
   */
  private retainFloor(index: Index): Index {
    let floor = Math.max(this.firstIndex() - 1, index - this.retainEntries);
    const retained = this.memory.entries(floor + 1, index + 1, Infinity);
    let kept = retained.reduce((sum, entry) => sum + entryBytes(entry), 0);
    for (const entry of retained) {
      if (kept <= this.retainBytes) break;
      kept -= entryBytes(entry);
      floor = entry.index;
    }
    return floor;
  }

  /** Held bytes once `entries` replace any suffix they overlap; refuses past the cap. */
  private heldAfter(entries: readonly Entry[]): number {
    const first = entries[0];
    if (first === undefined) return this.heldBytes;
    const last = this.lastIndex();
    const replaced = first.index <= last ? bytesOf(this.memory, first.index, last + 1) : 0;
    const held = this.heldBytes - replaced + entries.reduce((sum, e) => sum + entryBytes(e), 0);
    if (held > raftHeldEntryBytesMax) {
      throw new StorageError(
        'WARREN_STORAGE_LIMIT',
        `the Raft log would hold ${held} bytes in memory, over raftHeldEntryBytesMax ` +
          `(${raftHeldEntryBytesMax}); snapshots are not keeping up with writes.`,
      );
    }
    return held;
  }
}

function storeOptions(options: DurableLogOptions): RaftStoreOptions {
  const snapRetainCount = options.snapRetainCount ?? snapRetainCountMin;
  if (!Number.isInteger(snapRetainCount) || snapRetainCount < snapRetainCountMin) {
    throw new StorageError(
      'WARREN_STORAGE_CONFIG',
      `snapRetainCount is ${snapRetainCount}; it must be an integer of at least ` +
        `${snapRetainCountMin}, so a damaged newest snapshot leaves older ones to recover from.`,
    );
  }
  return {
    dataDir: options.dataDir,
    dataLogDir: options.dataLogDir,
    logger: options.logger,
    disk: options.disk ?? nodeDisk,
    initialMembership: options.initialMembership,
    segmentBytesMax: options.segmentBytesMax ?? walSegmentBytesMaxDefault,
    snapRetainCount,
    repairLog: options.repairLog === true,
    snapshotLoader: options.snapshotLoader,
  };
}

/** entryBytes of the held entries [lo, hi). */
function bytesOf(memory: MemoryStorage, lo: Index, hi: Index): number {
  if (lo >= hi) return 0;
  return memory.entries(lo, hi, Infinity).reduce((sum, entry) => sum + entryBytes(entry), 0);
}
