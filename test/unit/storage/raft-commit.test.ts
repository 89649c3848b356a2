// Proves that a stored Raft commit index past the end of the log and snapshots is refused at
// start-up instead of quietly lowered (entries that a quorum committed and this server
// acknowledged would be gone without a word): the error names the state file, both indexes
// and --repair-log; with repairLog the commit is lowered after a warning. A commit that a
// snapshot covers (the log behind it compacted or dropped) is not past the end.
import assert from 'node:assert/strict';
import { readFile, readdir, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeDisk } from '../../../src/storage/disk.js';
import { StorageError } from '../../../src/storage/errors.js';
import { raftPaths } from '../../../src/storage/raft-layout.js';
import { RaftStore, type RaftStoreOptions } from '../../../src/storage/raft-store.js';
import type { StoredEntry } from '../../../src/storage/raft-types.js';
import { CapturingLogger, makeTempDir } from './helpers.js';

function options(dataDir: string, logger = new CapturingLogger(), repairLog = false) {
  const membership = { voters: [1], learners: [] };
  const store: RaftStoreOptions = {
    dataDir,
    dataLogDir: dataDir,
    logger,
    disk: nodeDisk,
    initialMembership: membership,
    segmentBytesMax: 4096,
    snapRetainCount: 3,
    repairLog,
  };
  return store;
}

function entries(from: number, to: number, term: number): StoredEntry[] {
  const made: StoredEntry[] = [];
  for (let index = from; index <= to; index++) {
    made.push({ index, term, kind: 'normal', data: Buffer.from(`entry ${index}`) });
  }
  return made;
}

/** Entries 1..6 in term 1, commit 6 written durably (with a new term), then the last torn. */
async function commitPastTornLog(dataDir: string): Promise<string> {
  const { store } = await RaftStore.open(options(dataDir));
  await store.persist({ hardState: { term: 1, vote: 1, commit: 0 }, entries: entries(1, 6, 1) });
  await store.persist({ hardState: { term: 2, vote: 1, commit: 6 }, entries: [] });
  await store.close();
  const logDirectory = raftPaths(dataDir, dataDir).logDirectory;
  const names = (await readdir(logDirectory)).filter((name) => name.startsWith('log.')).sort();
  const last = join(logDirectory, names[names.length - 1] ?? '');
  await truncate(last, (await readFile(last)).length - 3);
  return raftPaths(dataDir, dataDir).statePath;
}

void test('a stored commit past the end of the log refuses start-up', async (t) => {
  const dataDir = await makeTempDir(t);
  const statePath = await commitPastTornLog(dataDir);
  await assert.rejects(RaftStore.open(options(dataDir)), (error: unknown) => {
    assert.ok(error instanceof StorageError, String(error));
    assert.equal(error.code, 'WARREN_RAFT_COMMIT_PAST_LOG');
    assert.ok(error.message.includes(statePath), error.message);
    assert.match(error.message, /commit index 6/);
    assert.match(error.message, /end at index 5/);
    assert.match(error.message, /--repair-log/);
    return true;
  });
});

void test('with repair, the commit is lowered to the end of the log after a warning', async (t) => {
  const dataDir = await makeTempDir(t);
  await commitPastTornLog(dataDir);
  const logger = new CapturingLogger();
  const opened = await RaftStore.open(options(dataDir, logger, true));
  assert.deepEqual(opened.hardState, { term: 2, vote: 1, commit: 5 });
  const warning = logger.warnings.find((w) => /commit/.test(w.message));
  assert.ok(warning !== undefined, JSON.stringify(logger.warnings));
  assert.equal(warning.fields['storedCommit'], 6);
  assert.equal(warning.fields['lastIndex'], 5);
  await opened.store.close();
});

void test('a commit that a snapshot covers is not past the end', async (t) => {
  const dataDir = await makeTempDir(t);
  const { store } = await RaftStore.open(options(dataDir));
  await store.persist({ hardState: { term: 1, vote: 1, commit: 3 }, entries: entries(1, 4, 1) });
  // A leader's snapshot at 20 replaces the whole log; the commit is the snapshot's.
  const meta = { index: 20, term: 3, membership: { voters: [1], learners: [] } };
  await store.persist({
    snapshot: { meta, records: [] },
    entries: [],
    hardState: { term: 3, vote: 0, commit: 20 },
  });
  await store.close();
  const opened = await RaftStore.open(options(dataDir));
  assert.equal(opened.entries.length, 0);
  assert.equal(opened.hardState.commit, 20);
  await opened.store.close();
});
