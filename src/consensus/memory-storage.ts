/**
 * An in-memory LogStorage for tests and the simulator; it also plays the host's part of
 * persisting a Ready (append, hard state, snapshot) and of compaction.
 */
import { assert, fail } from '../util/assert.js';
import type { InitialState, LogStorage } from './storage.js';
import {
  emptyHardState,
  entryBytes,
  type Entry,
  type HardState,
  type Index,
  type Membership,
  type Snapshot,
  type Term,
} from './types.js';

export class MemoryStorage implements LogStorage {
  private hardState: HardState = emptyHardState;
  private snap: Snapshot;
  /** The last compacted index and its term; entryList[i] has index compactedIndex + 1 + i. */
  private compactedIndex: Index = 0;
  private compactedTerm: Term = 0;
  private entryList: Entry[] = [];

  constructor(membership: Membership) {
    this.snap = { meta: { index: 0, term: 0, membership }, data: Buffer.alloc(0) };
  }

  initialState(): InitialState {
    return { hardState: this.hardState, membership: this.snap.meta.membership };
  }

  firstIndex(): Index {
    return this.compactedIndex + 1;
  }

  lastIndex(): Index {
    return this.compactedIndex + this.entryList.length;
  }

  term(index: Index): Term | undefined {
    const offset = this.compactedIndex;
    if (index < offset) return undefined;
    if (index === offset) return this.compactedTerm;
    const entry = this.entryList[index - offset - 1];
    if (entry === undefined) fail(`MemoryStorage.term(${index}) past last ${this.lastIndex()}`);
    return entry.term;
  }

  entries(lo: Index, hi: Index, bytesMax: number): Entry[] {
    assert(lo >= this.firstIndex() && hi <= this.lastIndex() + 1 && lo < hi, 'entries range');
    const out: Entry[] = [];
    let bytes = 0;
    for (let index = lo; index < hi; index++) {
      const entry = this.entryList[index - this.firstIndex()];
      if (entry === undefined) fail(`MemoryStorage.entries: missing ${index}`);
      bytes += entryBytes(entry);
      if (out.length > 0 && bytes > bytesMax) break;
      out.push(entry);
    }
    return out;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  /** Appends entries, dropping any persisted suffix they conflict with (Raft §5.3). */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    if (first.index < this.firstIndex()) fail(`append at ${first.index} below first index`);
    if (first.index > this.lastIndex() + 1) fail(`append at ${first.index} leaves a gap`);
    this.entryList.length = first.index - this.firstIndex();
    this.entryList.push(...entries);
  }

  /** Replaces the whole log with a snapshot received from the leader. */
  applySnapshot(snapshot: Snapshot): void {
    assert(snapshot.meta.index >= this.snap.meta.index, 'applySnapshot: older snapshot');
    this.snap = snapshot;
    this.compactedIndex = snapshot.meta.index;
    this.compactedTerm = snapshot.meta.term;
    this.entryList = [];
  }

  /**
   * Records a snapshot the host took of its state machine at `index` (<= lastIndex).
   * `forgottenTerm`: the term at `index`, taken when the snapshot began, for a host that may
   * have forgotten the entry since (forget() below: the only voter's apply loop goes on while
   * the snapshot is written).
   */
  createSnapshot(
    index: Index,
    membership: Membership,
    data: Buffer,
    forgottenTerm?: Term,
  ): Snapshot {
    assert(index > this.snap.meta.index, 'createSnapshot: not newer than the current one');
    const term = index < this.compactedIndex ? forgottenTerm : this.term(index);
    assert(term !== undefined, `createSnapshot: index ${index} compacted`);
    this.snap = { meta: { index, term, membership }, data };
    return this.snap;
  }

  /** Drops entries up to and including `index`, which the current snapshot must cover. */
  compact(index: Index): void {
    assert(index <= this.snap.meta.index, 'compact: past the snapshot');
    this.forget(index);
  }

  /**
   * Drops entries up to and including `index` even past the snapshot: for a host that needs
   * them for nobody (the only voter of its membership). Before any follower needs them, the
   * host must take a snapshot that covers them again (member/peer-dispatch.ts does).
   */
  forget(index: Index): void {
    if (index <= this.compactedIndex) return;
    const term = this.term(index);
    assert(term !== undefined, `compact: index ${index} missing`);
    this.entryList = this.entryList.slice(index - this.compactedIndex);
    this.compactedIndex = index;
    this.compactedTerm = term;
  }
}
