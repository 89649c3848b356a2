// Proves DurableLog keeps what a Raft member promised across restarts: entries, terms and
// hard state round-trip; a conflicting suffix stays overwritten; a snapshot compacts the log
// and is where a restart resumes; a leader's snapshot file installs on another member; a torn
// tail is cut; a damaged raft-state stops start-up; an fsync failure stops the storage; and a
// real RaftNode's log survives a restart.
import assert from 'node:assert/strict';
import { readFile, readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { RaftNode } from '../../../src/consensus/node.js';
import { SeededRandom } from '../../../src/consensus/prng.js';
import { entryBytes, type Entry, type Membership } from '../../../src/consensus/types.js';
import { CorruptRaftStateError } from '../../../src/storage/hard-state-file.js';
import { raftPaths } from '../../../src/storage/raft-layout.js';
import { writeRaftSnapshot } from '../../../src/storage/raft-snapshot-files.js';
import {
  DurableLog,
  type OpenedDurableLog,
  type DurableLogOptions,
} from '../../../src/member/durable-log.js';
import { nodeDisk, type Disk } from '../../../src/storage/disk.js';
import { StorageError } from '../../../src/storage/errors.js';
import { FaultyDisk } from '../../../src/storage/faulty-disk.js';
import { CapturingLogger, makeTempDir } from '../storage/helpers.js';

const membership: Membership = { voters: [1, 2, 3], learners: [4] };

function entry(index: number, term: number, text = `e${index}t${term}`): Entry {
  return { index, term, kind: index % 7 === 0 ? 'config' : 'normal', data: Buffer.from(text) };
}

function entries(from: number, to: number, term: number): Entry[] {
  return Array.from({ length: to - from + 1 }, (_, offset) => entry(from + offset, term));
}

function plain(list: readonly Entry[]) {
  return list.map((e) => `${e.index}/${e.term}/${e.kind}/${e.data.toString()}`);
}

function held(storage: DurableLog): Entry[] {
  const first = storage.firstIndex();
  const last = storage.lastIndex();
  return last < first ? [] : storage.entries(first, last + 1, Infinity);
}

interface Fixture {
  options: DurableLogOptions;
  logger: CapturingLogger;
  open(extra?: Partial<DurableLogOptions>): Promise<OpenedDurableLog>;
}

async function fixture(t: TestContext, disk: Disk = nodeDisk): Promise<Fixture> {
  const dir = await makeTempDir(t);
  const logger = new CapturingLogger();
  const options: DurableLogOptions = {
    dataDir: join(dir, 'data'),
    dataLogDir: join(dir, 'datalog'),
    logger,
    disk,
    initialMembership: membership,
    segmentBytesMax: 400,
    retainEntries: 3,
  };
  return {
    options,
    logger,
    open: (extra = {}) => DurableLog.open({ ...options, ...extra }),
  };
}

void test('a new member starts empty with the initial membership', async (t) => {
  const f = await fixture(t);
  const { storage, snapshotRecords } = await f.open();
  assert.equal(snapshotRecords, null);
  assert.deepEqual(storage.initialState(), {
    hardState: { term: 0, vote: 0, commit: 0 },
    membership,
  });
  assert.equal(storage.firstIndex(), 1);
  assert.equal(storage.lastIndex(), 0);
  assert.equal(storage.term(0), 0);
  assert.equal(await storage.snapshotFile(), null);
  await storage.close();
});

void test('entries, terms and hard state survive a restart', async (t) => {
  const f = await fixture(t);
  const { storage } = await f.open();
  await storage.persist({ hardState: { term: 1, vote: 2, commit: 0 }, entries: entries(1, 5, 1) });
  await storage.persist({ entries: entries(6, 12, 1), hardState: { term: 1, vote: 2, commit: 9 } });
  await storage.persist({
    hardState: { term: 2, vote: 0, commit: 10 },
    entries: entries(13, 20, 2),
  });
  assert.equal(storage.term(12), 1);
  assert.equal(storage.term(13), 2);
  await storage.close();

  const reopened = (await f.open()).storage;
  assert.deepEqual(plain(held(reopened)), plain([...entries(1, 12, 1), ...entries(13, 20, 2)]));
  assert.deepEqual(reopened.initialState().hardState, { term: 2, vote: 0, commit: 10 });
  assert.equal(reopened.term(20), 2);
  assert.deepEqual(f.logger.warnings, []);
  await reopened.close();
});

void test('a Ready that applies a membership change writes its commit at once', async (t) => {
  const f = await fixture(t);
  const { storage } = await f.open();
  await storage.persist({ hardState: { term: 3, vote: 1, commit: 0 }, entries: entries(1, 4, 3) });
  await storage.persist({ hardState: { term: 3, vote: 1, commit: 4 }, entries: [] });
  const paths = raftPaths(f.options.dataDir, f.options.dataLogDir);
  const lazy = await readFile(paths.statePath);
  // The commit reached 4 in an earlier Ready; this one applies a config entry.
  await storage.persist({ entries: [], commitDurably: true });
  assert.notDeepEqual(await readFile(paths.statePath), lazy, 'the commit is on disk now');
  // A crash now (no close): the restart finds the commit that covers the change.
  const crashed = (await f.open()).storage;
  assert.deepEqual(crashed.initialState().hardState, { term: 3, vote: 1, commit: 4 });
  await crashed.close();
  await storage.close();
});

void test('a commit-only change is written lazily, and at least at close', async (t) => {
  const f = await fixture(t);
  const { storage } = await f.open();
  await storage.persist({ hardState: { term: 3, vote: 1, commit: 0 }, entries: entries(1, 4, 3) });
  await storage.persist({ hardState: { term: 3, vote: 1, commit: 4 }, entries: [] });
  const paths = raftPaths(f.options.dataDir, f.options.dataLogDir);
  const before = await readFile(paths.statePath);
  await storage.close();
  assert.notDeepEqual(await readFile(paths.statePath), before, 'close wrote the commit');
  const reopened = (await f.open()).storage;
  assert.deepEqual(reopened.initialState().hardState, { term: 3, vote: 1, commit: 4 });
  await reopened.close();
});

void test('a conflicting suffix is replaced, and stays replaced after a restart', async (t) => {
  const f = await fixture(t);
  const { storage } = await f.open();
  await storage.persist({ hardState: { term: 1, vote: 1, commit: 3 }, entries: [] });
  for (let from = 1; from <= 30; from += 3) {
    await storage.persist({ entries: entries(from, from + 2, 1) }); // several segments
  }
  await storage.persist({ hardState: { term: 2, vote: 0, commit: 3 }, entries: entries(8, 11, 2) });
  assert.equal(storage.lastIndex(), 11);
  await storage.persist({ entries: entries(12, 14, 2) });
  await storage.close();
  const reopened = (await f.open()).storage;
  assert.deepEqual(plain(held(reopened)), plain([...entries(1, 7, 1), ...entries(8, 14, 2)]));
  assert.deepEqual(f.logger.warnings, []);
  await reopened.close();
});

void test('a snapshot compacts the log; a restart resumes after it with its meta', async (t) => {
  const f = await fixture(t);
  const { storage } = await f.open();
  for (let from = 1; from <= 40; from += 5) {
    await storage.persist({ entries: entries(from, from + 4, 1) }); // several segments
  }
  await storage.persist({ hardState: { term: 1, vote: 1, commit: 40 }, entries: [] });
  const tree = [Buffer.from('tree-a'), Buffer.from('tree-b')];
  const newMembership: Membership = { voters: [1, 2], learners: [] };
  await storage.saveSnapshot(30, newMembership, tree);
  assert.equal(storage.snapshot().meta.index, 30);
  assert.equal(storage.snapshot().data.length, 0, 'the host streams the file itself');
  assert.equal(storage.firstIndex(), 28, 'retainEntries (3) are kept behind the snapshot');
  assert.equal(storage.term(26), undefined);
  const paths = raftPaths(f.options.dataDir, f.options.dataLogDir);
  const segments = (await readdir(paths.logDirectory)).filter((n) => n.startsWith('log.')).sort();
  assert.ok(Number.parseInt(segments[0]?.slice(4) ?? '', 16) > 1, 'old segments were purged');
  await storage.persist({ entries: entries(41, 42, 1) });
  await storage.close();

  const reopened = await f.open();
  assert.deepEqual(reopened.snapshotRecords?.map(String), ['tree-a', 'tree-b']);
  assert.deepEqual(reopened.storage.snapshot().meta, {
    index: 30,
    term: 1,
    membership: newMembership,
  });
  assert.equal(reopened.storage.firstIndex(), 31);
  assert.equal(reopened.storage.lastIndex(), 42);
  assert.equal(reopened.storage.term(30), 1);
  assert.deepEqual(reopened.storage.initialState().membership, newMembership);
  assert.deepEqual(plain(held(reopened.storage)), plain(entries(31, 42, 1)));
  await reopened.storage.close();
});

void test('only snapRetainCount snapshots are kept', async (t) => {
  const f = await fixture(t);
  const { storage } = await f.open();
  await storage.persist({
    hardState: { term: 1, vote: 1, commit: 50 },
    entries: entries(1, 50, 1),
  });
  for (const index of [10, 20, 30, 40, 50]) {
    await storage.saveSnapshot(index, membership, [Buffer.from(`at ${index}`)]);
  }
  const paths = raftPaths(f.options.dataDir, f.options.dataLogDir);
  const names = (await readdir(paths.snapshotDirectory)).sort();
  assert.deepEqual(
    names,
    [30, 40, 50].map((i) => `snapshot.${i.toString(16).padStart(16, '0')}`),
  );
  await storage.close();
});

void test("a leader's snapshot file installs on another member and survives a restart", async (t) => {
  const leaderSide = await fixture(t);
  const leader = (await leaderSide.open()).storage;
  await leader.persist({ hardState: { term: 4, vote: 1, commit: 20 }, entries: entries(1, 20, 4) });
  await leader.saveSnapshot(
    20,
    membership,
    (async function* () {
      yield Buffer.from('big');
      await Promise.resolve(); // an async producer, as the tree's paced snapshot is
      yield Buffer.from('tree');
    })(),
  );
  const file = await leader.snapshotFile();
  assert.ok(file !== null);
  await leader.close();

  const f = await fixture(t);
  const { storage } = await f.open();
  await storage.persist({ hardState: { term: 3, vote: 2, commit: 2 }, entries: entries(1, 9, 3) });
  assert.deepEqual(storage.snapshotFileMeta(file), { index: 20, term: 4, membership });
  // The core accepted the snapshot: its Ready's data is the leader's file.
  const installed = await storage.installSnapshot(file);
  assert.deepEqual(installed.meta, { index: 20, term: 4, membership });
  assert.deepEqual(installed.records.map(String), ['big', 'tree']);
  assert.equal(storage.firstIndex(), 21);
  assert.equal(storage.lastIndex(), 20);
  assert.equal(storage.term(20), 4);
  // The same Ready persisted with its snapshot is a no-op for the snapshot part.
  const snapshot = { meta: installed.meta, data: file };
  await storage.persist({ snapshot, entries: [], hardState: { term: 4, vote: 2, commit: 20 } });
  assert.equal(storage.lastIndex(), 20);
  await storage.persist({
    entries: entries(21, 23, 4),
    hardState: { term: 4, vote: 2, commit: 23 },
  });
  assert.deepEqual(await storage.snapshotFile(), file);
  await storage.close();

  const reopened = await f.open();
  assert.deepEqual(reopened.snapshotRecords?.map(String), ['big', 'tree']);
  assert.equal(reopened.storage.snapshot().meta.index, 20);
  assert.deepEqual(plain(held(reopened.storage)), plain(entries(21, 23, 4)));
  assert.deepEqual(reopened.storage.initialState().hardState, { term: 4, vote: 2, commit: 23 });
  await reopened.storage.close();
});

void test('a damaged snapshot file is refused by installSnapshot', async (t) => {
  const f = await fixture(t);
  const { storage } = await f.open();
  await storage.persist({ hardState: { term: 1, vote: 1, commit: 5 }, entries: entries(1, 5, 1) });
  await storage.saveSnapshot(5, membership, [Buffer.from('x')]);
  const file = await storage.snapshotFile();
  assert.ok(file !== null);
  const damaged = Buffer.from(file);
  damaged.writeUInt8(damaged.readUInt8(damaged.length - 20) ^ 0xff, damaged.length - 20);
  await assert.rejects(storage.installSnapshot(damaged), /damaged/);
  assert.equal(storage.failure, null, 'a bad transfer does not stop the storage');
  assert.equal(storage.lastIndex(), 5, 'and changes nothing');
  await storage.close();
});

void test('a snapshot Ready with records writes it and replaces the log', async (t) => {
  const f = await fixture(t);
  const { storage } = await f.open();
  await storage.persist({ hardState: { term: 1, vote: 1, commit: 3 }, entries: entries(1, 9, 1) });
  const meta = { index: 15, term: 2, membership };
  const snapshot = { meta, data: Buffer.alloc(0), records: [Buffer.from('r')] };
  await storage.persist({ snapshot, entries: [], hardState: { term: 2, vote: 0, commit: 15 } });
  assert.equal(storage.lastIndex(), 15);
  await storage.close();
  // A staged file a crash left behind is removed at start-up.
  const paths = raftPaths(f.options.dataDir, f.options.dataLogDir);
  await writeFile(paths.stagedSnapshotPath, 'half a transfer');
  const reopened = await f.open();
  assert.deepEqual(reopened.snapshotRecords?.map(String), ['r']);
  assert.deepEqual(reopened.storage.snapshot().meta, meta);
  assert.equal(reopened.storage.lastIndex(), 15);
  assert.ok(!(await readdir(paths.snapshotDirectory)).includes('incoming.snapshot'));
  await reopened.storage.close();
});

void test('a crash between adopting a snapshot and dropping the log drops it at start', async (t) => {
  const f = await fixture(t);
  const { storage } = await f.open();
  await storage.persist({ hardState: { term: 2, vote: 1, commit: 3 }, entries: entries(1, 12, 2) });
  await storage.close();
  // As if the leader's snapshot at 8 (term 3) was adopted, then the process died.
  const paths = raftPaths(f.options.dataDir, f.options.dataLogDir);
  await writeRaftSnapshot(nodeDisk, paths, { index: 8, term: 3, membership }, [], f.logger);
  const reopened = (await f.open()).storage;
  assert.equal(reopened.lastIndex(), 8);
  assert.equal(reopened.term(8), 3);
  assert.match(f.logger.warnings[0]?.message ?? '', /replaced history/);
  await reopened.persist({ entries: entries(9, 10, 3) });
  await reopened.close();
  const again = (await f.open()).storage;
  assert.deepEqual(plain(held(again)), plain(entries(9, 10, 3)));
  await again.close();
});

void test('a torn last record is cut off at start-up', async (t) => {
  const f = await fixture(t);
  const { storage } = await f.open();
  await storage.persist({ hardState: { term: 1, vote: 1, commit: 0 }, entries: entries(1, 6, 1) });
  await storage.close();
  const paths = raftPaths(f.options.dataDir, f.options.dataLogDir);
  const names = (await readdir(paths.logDirectory)).filter((n) => n.startsWith('log.')).sort();
  const last = join(paths.logDirectory, names[names.length - 1] ?? '');
  const bytes = await readFile(last);
  await truncate(last, bytes.length - 3);
  const reopened = (await f.open()).storage;
  assert.deepEqual(plain(held(reopened)), plain(entries(1, 5, 1)));
  assert.match(f.logger.warnings[0]?.message ?? '', /torn tail/);
  await reopened.persist({ entries: [entry(6, 1, 'again')] });
  await reopened.close();
  const again = (await f.open()).storage;
  assert.equal(again.lastIndex(), 6);
  await again.close();
});

void test('a damaged raft-state stops start-up with a clear error', async (t) => {
  const f = await fixture(t);
  const { storage } = await f.open();
  await storage.persist({ hardState: { term: 5, vote: 3, commit: 0 }, entries: [] });
  await storage.close();
  const paths = raftPaths(f.options.dataDir, f.options.dataLogDir);
  const bytes = await readFile(paths.statePath);
  bytes.writeUInt8(bytes.readUInt8(10) ^ 0x01, 10);
  await writeFile(paths.statePath, bytes);
  await assert.rejects(f.open(), (error: unknown) => {
    assert.ok(error instanceof CorruptRaftStateError);
    assert.match(error.message, /raft-state is damaged: checksum mismatch/);
    assert.match(error.message, /vote twice/);
    return true;
  });
});

void test('an fsync failure rejects persist and stops the storage for good', async (t) => {
  const disk = new FaultyDisk(nodeDisk);
  const f = await fixture(t, disk);
  const { storage } = await f.open();
  await storage.persist({ hardState: { term: 1, vote: 1, commit: 0 }, entries: entries(1, 3, 1) });
  disk.inject({ operation: 'datasync', code: 'EIO', times: 1 });
  await assert.rejects(storage.persist({ entries: entries(4, 5, 1) }), StorageError);
  const failure = storage.failure;
  assert.ok(failure instanceof StorageError);
  assert.equal(failure.code, 'WARREN_STORAGE_FSYNC');
  await assert.rejects(storage.persist({ entries: entries(4, 5, 1) }), /stopped/);
  await storage.close();
});

void test('a failed hard state write stops the storage too', async (t) => {
  const disk = new FaultyDisk(nodeDisk);
  const f = await fixture(t, disk);
  const { storage } = await f.open();
  disk.inject({ operation: 'syncDirectory', code: 'EIO', times: 1 });
  await assert.rejects(
    storage.persist({ hardState: { term: 1, vote: 1, commit: 0 }, entries: [] }),
  );
  assert.ok(storage.failure !== null);
  await storage.close();
});

void test('a RaftNode on disk storage keeps its 100 proposals across a restart', async (t) => {
  const f = await fixture(t);
  const single: Membership = { voters: [1], learners: [] };
  const node = (storage: DurableLog) =>
    new RaftNode({
      id: 1,
      storage,
      random: new SeededRandom(7),
      electionTicks: 10,
      heartbeatTicks: 1,
      preVote: false,
      checkQuorum: false,
    });
  const drain = async (raft: RaftNode, storage: DurableLog, applied: string[]) => {
    while (raft.hasReady()) {
      const ready = raft.ready();
      await storage.persist(ready);
      for (const e of ready.committedEntries) applied.push(e.data.toString());
      raft.advance();
    }
  };

  const first = (await f.open({ initialMembership: single })).storage;
  const raft = node(first);
  const applied: string[] = [];
  raft.campaign();
  await drain(raft, first, applied);
  assert.equal(raft.status().role, 'leader');
  for (let i = 0; i < 100; i++) {
    assert.ok(raft.propose(Buffer.from(`p${i}`)).ok);
    if (i % 10 === 9) await drain(raft, first, applied);
  }
  await drain(raft, first, applied);
  assert.equal(applied.filter((text) => text.startsWith('p')).length, 100);
  await first.close();

  const second = (await f.open({ initialMembership: single })).storage;
  assert.equal(second.lastIndex(), 101, 'the leader entry plus 100 proposals');
  const log = second.entries(1, 102, Infinity);
  assert.deepEqual(
    log.map((e) => e.term),
    log.map(() => 1),
  );
  assert.deepEqual(
    log.slice(1).map((e) => e.data.toString()),
    Array.from({ length: 100 }, (_, i) => `p${i}`),
  );
  assert.deepEqual(second.initialState().hardState, { term: 1, vote: 1, commit: 101 });
  const restarted = node(second);
  const replayed: string[] = [];
  restarted.campaign();
  await drain(restarted, second, replayed);
  assert.equal(restarted.status().term, 2);
  assert.equal(restarted.status().role, 'leader');
  assert.ok(restarted.propose(Buffer.from('after')).ok);
  await drain(restarted, second, replayed);
  assert.equal(second.lastIndex(), 103);
  assert.equal(second.term(103), 2);
  await second.close();
});

void test('close waits for a running persist; a snapshot at the current index is a no-op', async (t) => {
  const f = await fixture(t);
  const { storage } = await f.open();
  await storage.persist({ hardState: { term: 1, vote: 1, commit: 4 }, entries: entries(1, 4, 1) });
  await storage.saveSnapshot(4, membership, [Buffer.from('s')]);
  await storage.saveSnapshot(4, membership, [Buffer.from('again')]);
  const persisting = storage.persist({ entries: entries(5, 6, 1) });
  await storage.close();
  await persisting;
  const reopened = await f.open();
  assert.deepEqual(reopened.snapshotRecords?.map(String), ['s']);
  assert.equal(reopened.storage.lastIndex(), 6);
  await reopened.storage.close();
});

void test('entries that outlived their hard state raise the term at start-up', async (t) => {
  const f = await fixture(t);
  const { storage } = await f.open();
  await storage.persist({ hardState: { term: 1, vote: 2, commit: 0 }, entries: entries(1, 2, 1) });
  // As if the crash came between the entries of term 3 and the hard state naming term 3.
  await storage.persist({ entries: entries(3, 4, 3) });
  await storage.close();
  const reopened = (await f.open()).storage;
  assert.deepEqual(reopened.initialState().hardState, { term: 3, vote: 0, commit: 0 });
  assert.match(f.logger.warnings[0]?.message ?? '', /later term/);
  // A conflict right after a restart cuts a segment the WAL did not have open.
  await reopened.persist({ hardState: { term: 4, vote: 0, commit: 0 }, entries: entries(2, 2, 4) });
  await reopened.close();
  const again = (await f.open()).storage;
  assert.deepEqual(plain(held(again)), plain([entry(1, 1), entry(2, 4)]));
  await again.close();
});

void test('keeps no more than retainBytes of entries behind a snapshot, and counts what it holds', async (t) => {
  const f = await fixture(t);
  // Ten entries of 1000 bytes: a snapshot at 10 may keep 3 entries, but only 2500 bytes.
  const big = (index: number): Entry => ({ ...entry(index, 1), data: Buffer.alloc(1000, index) });
  const { storage } = await f.open({
    retainEntries: 3,
    retainBytes: 2500,
    segmentBytesMax: 64 * 1024,
  });
  const list = Array.from({ length: 10 }, (_, i) => big(i + 1));
  await storage.persist({ hardState: { term: 1, vote: 1, commit: 10 }, entries: list });
  const perEntry = entryBytes(list[0] as Entry);
  assert.equal(storage.heldEntryBytes, 10 * perEntry);
  await storage.saveSnapshot(10, membership, [Buffer.from('tree')]);
  assert.equal(storage.firstIndex(), 9, 'two entries (2048 bytes) fit in 2500, three do not');
  assert.equal(storage.heldEntryBytes, 2 * perEntry);
  await storage.close();
});

void test('a snapshot of the only voter completes when applied entries are forgotten while it is written', async (t) => {
  const f = await fixture(t);
  const { storage } = await f.open({ segmentBytesMax: 1024 });
  for (let from = 1; from <= 300; from += 10) {
    const commit = from + 9;
    await storage.persist({
      hardState: { term: 1, vote: 1, commit },
      entries: entries(from, commit, 1),
    });
  }
  const { logDirectory } = raftPaths(f.options.dataDir, f.options.dataLogDir);
  const segmentsBefore = (await readdir(logDirectory)).length;
  // The apply loop goes on while the tree is written: it forgets past the snapshot's index.
  function* records(): Generator<Buffer> {
    yield Buffer.from('first half');
    storage.forgetApplied(300);
    assert.ok(storage.firstIndex() > 100, 'the snapshot index is forgotten meanwhile');
    yield Buffer.from('second half');
  }
  await storage.saveSnapshot(100, membership, records());
  assert.deepEqual(storage.snapshot().meta, { index: 100, term: 1, membership });
  assert.equal(storage.firstIndex(), 285, 'the forgotten entries stay forgotten');
  assert.ok((await readdir(logDirectory)).length < segmentsBefore, 'segments purged');
  await storage.close();
  const reopened = await f.open();
  assert.equal(reopened.storage.snapshot().meta.index, 100);
  assert.equal(reopened.storage.lastIndex(), 300);
  await reopened.storage.close();
});
