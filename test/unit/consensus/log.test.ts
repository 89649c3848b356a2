/**
 * The replicated log (Raft §5.3): term lookups across storage, the unstable tail and the
 * snapshot; the AppendEntries consistency check; conflict truncation; commit and apply
 * invariants; and the MemoryStorage contract (compaction, snapshots, byte-capped reads).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RaftLog } from '../../../src/consensus/log.js';
import { MemoryStorage } from '../../../src/consensus/memory-storage.js';
import type { Entry } from '../../../src/consensus/types.js';
import { AssertionError } from '../../../src/util/assert.js';

const membership = { voters: [1], learners: [] };

function entry(index: number, term: number, data = ''): Entry {
  return { index, term, kind: 'normal', data: Buffer.from(data) };
}

function entries(terms: readonly number[], from = 1): Entry[] {
  return terms.map((term, i) => entry(from + i, term));
}

/** A log whose first `stable` entries are persisted and the rest are in the unstable tail. */
function logWith(terms: readonly number[], stable: number): RaftLog {
  const storage = new MemoryStorage(membership);
  storage.append(entries(terms.slice(0, stable)));
  const log = new RaftLog(storage, 0, 0);
  log.append(entries(terms.slice(stable), stable + 1));
  return log;
}

describe('RaftLog', () => {
  it('looks up terms in storage and in the unstable tail', () => {
    const log = logWith([1, 1, 2, 3], 2);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => log.term(i)),
      [0, 1, 1, 2, 3],
    );
    assert.equal(log.term(5), undefined);
    assert.equal(log.lastIndex(), 4);
    assert.equal(log.lastTerm(), 3);
  });

  it('§5.3: maybeAppend refuses when (prevIndex, prevTerm) does not match', () => {
    const log = logWith([1, 1, 2], 3);
    assert.equal(log.maybeAppend(3, 1, 0, [entry(4, 2)]), undefined);
    assert.equal(log.maybeAppend(5, 2, 0, []), undefined);
    assert.equal(log.maybeAppend(3, 2, 0, [entry(4, 2)]), 4);
  });

  it('§5.3: a conflicting entry and all that follow it are replaced', () => {
    const log = logWith([1, 1, 2, 2, 2], 4);
    assert.equal(log.maybeAppend(2, 1, 0, entries([3, 3], 3)), 4);
    assert.deepEqual(
      [1, 2, 3, 4].map((i) => log.term(i)),
      [1, 1, 3, 3],
    );
    assert.equal(log.lastIndex(), 4);
  });

  it('§5.3: entries already present are not truncated by a stale, shorter append', () => {
    const log = logWith([1, 1, 1, 1], 4);
    assert.equal(log.maybeAppend(1, 1, 0, [entry(2, 1)]), 2);
    assert.equal(log.lastIndex(), 4);
  });

  it('§5.3: commit follows the leader but never past the last new entry', () => {
    const log = logWith([1, 1, 1, 1], 4);
    log.maybeAppend(2, 1, 10, []);
    assert.equal(log.committed, 2);
    log.commitTo(1);
    assert.equal(log.committed, 2, 'commit never moves back');
  });

  it('asserts applied <= committed and that a committed entry is never rewritten', () => {
    const log = logWith([1, 1, 1], 3);
    log.commitTo(2);
    assert.throws(() => log.appliedTo(3), AssertionError);
    log.appliedTo(2);
    assert.throws(() => log.appliedTo(1), AssertionError);
    assert.throws(() => log.maybeAppend(1, 1, 0, [entry(2, 5)]), AssertionError);
  });

  it('§5.4.2: maybeCommit commits only an entry of the given term', () => {
    const log = logWith([1, 1, 2], 3);
    assert.ok(!log.maybeCommit(2, 2));
    assert.ok(log.maybeCommit(3, 2));
    assert.equal(log.committed, 3);
  });

  it('findConflictByTerm skips back over entries of later terms', () => {
    const log = logWith([1, 1, 3, 3, 3, 5], 6);
    assert.deepEqual(log.findConflictByTerm(6, 4), { index: 5, term: 3 });
    assert.deepEqual(log.findConflictByTerm(6, 2), { index: 2, term: 1 });
    assert.deepEqual(log.findConflictByTerm(6, 0), { index: 0, term: 0 });
  });

  it('slices across storage and unstable entries, cut by bytes but never empty', () => {
    const log = logWith([1, 1, 1, 1], 2);
    assert.deepEqual(
      log.slice(1, 5, 1_000_000).map((e) => e.index),
      [1, 2, 3, 4],
    );
    assert.deepEqual(
      log.slice(2, 4, 1).map((e) => e.index),
      [2],
    );
  });

  it('§7: restore replaces the log with a snapshot and commits its index', () => {
    const log = logWith([1, 1], 2);
    const snapshot = { meta: { index: 10, term: 4, membership }, data: Buffer.from('s') };
    log.restore(snapshot);
    assert.equal(log.firstIndex(), 11);
    assert.equal(log.lastIndex(), 10);
    assert.equal(log.term(10), 4);
    assert.equal(log.committed, 10);
    assert.deepEqual(log.nextCommittedEntries(1_000_000), [], 'snapshot first, then entries');
  });
});

describe('MemoryStorage', () => {
  it('compacts up to its snapshot and reports compacted terms as undefined', () => {
    const storage = new MemoryStorage(membership);
    storage.append(entries([1, 1, 2, 2, 3]));
    storage.createSnapshot(4, membership, Buffer.from('image'));
    storage.compact(3);
    assert.equal(storage.firstIndex(), 4);
    assert.equal(storage.term(2), undefined);
    assert.equal(storage.term(3), 2);
    assert.equal(storage.snapshot().meta.index, 4);
    assert.equal(storage.snapshot().meta.term, 2);
    assert.throws(() => storage.compact(5), AssertionError);
  });

  it('truncates a conflicting suffix on append and refuses gaps', () => {
    const storage = new MemoryStorage(membership);
    storage.append(entries([1, 1, 1]));
    storage.append(entries([2], 2));
    assert.equal(storage.lastIndex(), 2);
    assert.equal(storage.term(2), 2);
    assert.throws(() => storage.append(entries([2], 5)), AssertionError);
  });

  it('returns at least one entry however small the byte cap', () => {
    const storage = new MemoryStorage(membership);
    storage.append([entry(1, 1, 'aaaa'), entry(2, 1, 'bbbb')]);
    assert.equal(storage.entries(1, 3, 1).length, 1);
    assert.equal(storage.entries(1, 3, 1_000).length, 2);
  });
});
