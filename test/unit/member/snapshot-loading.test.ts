// Proves that recovery's streamed load (member/snapshot-loading.ts over
// storage/snapshot-stream.ts) rebuilds the very tree a snapshot holds in every format still
// read (1 and 2 written by legacy-snapshot.ts, 3 derived from 4, 4 as written today): split in
// two at every byte of the file, and read from a file at many chunk sizes. A damaged newest
// file is dropped midway with its half-built tree and the older one loads; a record that
// passes its checksum but does not decode stops recovery naming the file and the offset.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { test } from 'node:test';
import { DurableLog } from '../../../src/member/durable-log.js';
import { treeLoading } from '../../../src/member/snapshot-loading.js';
import { DecodeError } from '../../../src/protocol/jute-reader.js';
import { nodeDisk } from '../../../src/storage/disk.js';
import { raftPaths } from '../../../src/storage/raft-layout.js';
import {
  encodeRaftSnapshot,
  raftSnapshotPath,
  streamRaftSnapshot,
  writeRaftSnapshot,
} from '../../../src/storage/raft-snapshot-files.js';
import { encodeSnapshotMeta } from '../../../src/storage/raft-snapshot-meta.js';
import type { StoredSnapshotMeta } from '../../../src/storage/raft-types.js';
import { SnapshotParser } from '../../../src/storage/snapshot-stream.js';
import type { DataTree } from '../../../src/tree/data-tree.js';
import { toStat } from '../../../src/tree/node.js';
import { SnapshotLoader, beginSnapshot } from '../../../src/tree/snapshot-codec.js';
import { CapturingLogger, makeTempDir } from '../storage/helpers.js';
import { TreeHarness } from '../tree/harness.js';
import { legacySnapshotRecords } from '../tree/legacy-snapshot.js';

const membership = { voters: [1], learners: [] };
const quiet = { info: () => undefined };
const now = () => 0;

/** A small tree with what the formats encode differently: ACLs, owners, null and text data. */
function sampleTree(nodes: number): DataTree {
  const h = new TreeHarness();
  h.tree.addSession(0x1234n, { timeoutMs: 4000, passwd: Buffer.from('secret') });
  h.create('/app');
  h.create('/app/eph', 1, Buffer.from('ephemeral'));
  h.create('/app/empty', 0, null);
  h.run({
    type: 15,
    path: '/app/acl',
    data: Buffer.from('guarded'),
    acl: [{ perms: 1, id: { scheme: 'ip', id: '10.0.0.0/8' } }],
    flags: 0,
    ttl: -1,
  });
  for (let i = 0; i < nodes; i++) h.create(`/app/n${i}`, 0, Buffer.from(`{"id":${i},"v":"x"}`));
  h.run({ type: 5, path: '/app/n0', data: Buffer.from('changed'), version: -1 });
  return h.tree;
}

function image(tree: DataTree): string {
  const nodes = [...tree.entries()].map(([path, node]) => {
    const stat = JSON.stringify(toStat(node), (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
    return `${path} ${JSON.stringify(node.data)} ${JSON.stringify(node.acl)} ${stat}`;
  });
  const sessions = [...tree.sessions].map(
    ([id, s]) => `${id}:${s.timeoutMs}:${s.passwd.toString('hex')}`,
  );
  return [...nodes.sort(), ...sessions, `zxid=${tree.lastZxid}`, `digest=${tree.digest}`].join(
    '\n',
  );
}

function currentRecords(tree: DataTree): Buffer[] {
  const snap = beginSnapshot(tree);
  try {
    return Array.from(snap.records, (record) => Buffer.from(record));
  } finally {
    snap.abandon();
  }
}

/** Format 3: format 4's records with the header saying 3 and every packed record inflated. */
function format3Records(tree: DataTree): Buffer[] {
  return currentRecords(tree).map((record) => {
    if (record[0] === 1) {
      // The header record: its type, then the format.
      return Buffer.concat([record.subarray(0, 1), Buffer.of(3), record.subarray(2)]);
    }
    if (record[0] !== 4) return record;
    return Buffer.concat([Buffer.of(3), inflateRawSync(record.subarray(1))]);
  });
}

function recordsIn(format: 1 | 2 | 3 | 4, tree: DataTree): Buffer[] {
  if (format === 1 || format === 2) return legacySnapshotRecords(tree, format);
  return format === 3 ? format3Records(tree) : currentRecords(tree);
}

function metaAt(index: number): StoredSnapshotMeta {
  return { index, term: 1, membership };
}

/** The tree in a Raft snapshot file's bytes, pushed in two pieces cut at `cut`. */
function loadSplit(fileBytes: Buffer, cut: number): DataTree {
  const loader = new SnapshotLoader('snapshot (bytes)');
  let first = true;
  const parser = new SnapshotParser(
    fileBytes.length,
    {
      record: (bytes, offset) => {
        if (!first) loader.record(bytes, offset);
        first = false; // the meta record
      },
    },
    { label: '(bytes)', nameZxid: null, unknownVersion: () => new Error('version') },
  );
  parser.push(fileBytes.subarray(0, cut));
  parser.push(fileBytes.subarray(cut));
  parser.end();
  return loader.finish();
}

for (const format of [1, 2, 3, 4] as const) {
  void test(`format ${format}: every split of the file loads the same tree`, () => {
    const tree = sampleTree(12);
    const records = recordsIn(format, tree);
    if (format === 3)
      assert.ok(
        records.every((r) => r[0] !== 4),
        'format 3 packs nothing',
      );
    const fileBytes = encodeRaftSnapshot(metaAt(tree.lastZxid), records);
    const expected = image(tree);
    for (let cut = 0; cut <= fileBytes.length; cut++) {
      assert.equal(image(loadSplit(fileBytes, cut)), expected, `format ${format}, cut at ${cut}`);
    }
  });
}

void test('recovery streams each format from a file at many chunk sizes', async (t) => {
  const dir = await makeTempDir(t);
  const paths = raftPaths(dir, dir);
  const tree = sampleTree(3000); // several node records, some packed in format 4
  for (const format of [1, 2, 3, 4] as const) {
    const records = recordsIn(format, tree);
    const meta = metaAt(tree.lastZxid + format);
    await writeRaftSnapshot(nodeDisk, paths, meta, records, new CapturingLogger());
    for (const chunkBytes of [1000, 4096, 65_536, 1 << 22]) {
      const loading = treeLoading(quiet, now);
      const path = raftSnapshotPath(paths, meta.index);
      const read = await streamRaftSnapshot(path, nodeDisk, loading.load, chunkBytes);
      assert.deepEqual(read, meta);
      const loaded = loading.tree();
      assert.ok(loaded !== null);
      assert.equal(image(loaded), image(tree), `format ${format}, chunks of ${chunkBytes}`);
    }
  }
});

void test('a newest snapshot damaged past its first records is dropped for the older', async (t) => {
  const dir = await makeTempDir(t);
  const options = {
    dataDir: join(dir, 'data'),
    dataLogDir: join(dir, 'data'),
    logger: new CapturingLogger(),
    initialMembership: membership,
  };
  const paths = raftPaths(options.dataDir, options.dataLogDir);
  const older = sampleTree(50);
  const newer = sampleTree(3000);
  await writeRaftSnapshot(nodeDisk, paths, metaAt(5), currentRecords(older), options.logger);
  await writeRaftSnapshot(nodeDisk, paths, metaAt(9), currentRecords(newer), options.logger);
  const newest = raftSnapshotPath(paths, 9);
  const fileBytes = encodeRaftSnapshot(metaAt(9), currentRecords(newer));
  const damageAt = fileBytes.length - 100; // in the last record: the ones before load first
  fileBytes.writeUInt8(fileBytes.readUInt8(damageAt) ^ 0x01, damageAt);
  await writeFile(newest, fileBytes);

  let consumers = 0;
  const loading = treeLoading(quiet, now);
  const opened = await DurableLog.open({
    ...options,
    snapshotLoader: (meta, file) => {
      consumers += 1;
      return loading.load(meta, file);
    },
  });
  await opened.storage.close();
  assert.equal(consumers, 2, 'the damaged file was started, then the older one');
  assert.equal(opened.snapshotRecords, null, 'the loader took the records');
  assert.equal(opened.storage.snapshot().meta.index, 5);
  const loaded = loading.tree();
  assert.ok(loaded !== null);
  assert.equal(image(loaded), image(older));
  const warning = options.logger.warnings[0];
  assert.equal(warning?.fields['path'], newest);
  assert.match(String(warning?.fields['err']), /damaged at byte offset \d+: the record there/);
});

void test('a record that passes its checksum but does not decode names file and offset', async (t) => {
  const dir = await makeTempDir(t);
  const paths = raftPaths(dir, dir);
  const records = currentRecords(sampleTree(5));
  records.splice(2, 0, Buffer.of(9, 9, 9)); // an unknown record type after header and sessions
  await writeRaftSnapshot(nodeDisk, paths, metaAt(7), records, new CapturingLogger());
  const path = raftSnapshotPath(paths, 7);
  // The file header, then the meta record, the tree's header and sessions records.
  const before = [encodeSnapshotMeta(metaAt(7)), ...records.slice(0, 2)];
  const offset = before.reduce((at, record) => at + 8 + record.length, 20);
  await assert.rejects(
    streamRaftSnapshot(path, nodeDisk, treeLoading(quiet, now).load),
    (error) => {
      assert.ok(error instanceof DecodeError);
      assert.equal(
        error.message,
        `snapshot ${path}, record at byte offset ${offset}: unknown snapshot record type 9`,
      );
      return true;
    },
  );
});
