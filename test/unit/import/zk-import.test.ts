// warren import on small hand-built ZooKeeper files: a snapshot (sessions, ACL table, every
// node type) plus logs replayed after it, as ZooKeeper restores; gzip snapshots; a damaged
// snapshot skipped for an older one; a torn last record dropped with a warning; a bad record
// checksum, a missing txn, a wrong digest and a hostile length refused with file and offset.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { ImportError } from '../../../src/import/import-error.js';
import { importZooKeeper } from '../../../src/import/zk-import.js';
import { listLogs, listSnapshots } from '../../../src/import/zk-files.js';
import { loadZooKeeper } from '../../../src/import/zk-load.js';
import { dropOrphanEphemerals } from '../../../src/import/zk-tree-fixups.js';
import { zooKeeperDigest } from '../../../src/import/zk-digest.js';
import { zooKeeperSessionPassword } from '../../../src/import/zk-session-password.js';
import { nodeDisk } from '../../../src/storage/disk.js';
import { raftPaths } from '../../../src/storage/raft-layout.js';
import {
  loadNewestRaftSnapshot,
  recordCollector,
} from '../../../src/storage/raft-snapshot-files.js';
import { NodeKind } from '../../../src/tree/node.js';
import { loadSnapshot } from '../../../src/tree/snapshot-codec.js';
import { toStat } from '../../../src/tree/node.js';
import type { JuteWriter } from '../../../src/protocol/jute-writer.js';
import {
  baseNodes,
  closeSession,
  create,
  del,
  DIGEST_READ,
  logBytes,
  multi,
  OpCode,
  sessionTimeout,
  setData,
  snapshotBytes,
  txnBytes,
  versionDir,
  writeLog,
  writeSnapshot,
  type SnapNode,
  type SnapSpec,
} from './zk-files-kit.js';

const root = mkdtempSync(join(tmpdir(), 'zk-import-unit-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const fresh = (): string => join(root, `case-${++dirs}`);

const S1 = 0x100000abcd0001n;
const S2 = 0x100000abcd0002n;
const CONTAINER = -(2n ** 63n);
const TTL_60S = BigInt.asIntN(64, 0xff00000000000000n | 60_000n);

function capture() {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

/** The nodes of snapshot(): /app (ACL 1) with /app/e (S1's ephemeral), /c container, /t TTL. */
function snapshotNodes(): SnapNode[] {
  return [
    ...baseNodes(),
    { path: '/app', data: 'v', acl: 1n, czxid: 3, mzxid: 4, pzxid: 9, version: 1, cversion: 5 },
    { path: '/app/e', data: null, acl: -1n, czxid: 9, mzxid: 9, owner: S1 },
    { path: '/c', data: '', acl: -1n, czxid: 10, mzxid: 10, owner: CONTAINER },
    { path: '/t', data: 'x', acl: -1n, czxid: 0x10, mzxid: 0x10, owner: TTL_60S },
  ];
}

/** Snapshot at zxid 0x10 of snapshotNodes(), with sessions S1 and S2. */
function snapshot(extra: Partial<SnapSpec> = {}): Buffer {
  return snapshotBytes({
    sessions: [
      [S1, 30_000],
      [S2, 6_000],
    ],
    acls: [[1n, DIGEST_READ]],
    nodes: snapshotNodes(),
    ...extra,
  });
}

/** Txns 0x11..0x17 after the snapshot. */
function txns(): Buffer[] {
  return [
    txnBytes({ zxid: 0x11, type: OpCode.create, body: create('/app/s-0000000005', 'a', 6) }),
    txnBytes({ zxid: 0x12, type: OpCode.setData, body: setData('/app', 'v2', 2) }),
    txnBytes({ zxid: 0x13, session: S2, type: OpCode.create, body: create('/e2', '', 4, true) }),
    txnBytes({
      zxid: 0x14,
      type: OpCode.multi,
      body: multi([
        [OpCode.create, create('/m', 'm', 5)],
        [OpCode.delete, del('/t')],
      ]),
    }),
    txnBytes({ zxid: 0x15, session: S2, type: OpCode.closeSession, body: closeSession(['/e2']) }),
    txnBytes({ zxid: 0x16, session: 7n, type: OpCode.createSession, body: sessionTimeout(9000) }),
    txnBytes({ zxid: 0x17, type: OpCode.error, body: (w) => void w.writeInt(-101) }),
  ];
}

async function load(dataDir: string, ignoreDigest = false) {
  const folder = join(dataDir, 'version-2');
  const { logger, lines } = capture();
  const loaded = await loadZooKeeper({
    snapshots: await listSnapshots(folder),
    logs: await listLogs(folder),
    ignoreDigest,
    logger,
  });
  return { ...loaded, lines };
}

describe('import: snapshot and logs', () => {
  it('loads the snapshot and replays the logs after it, as ZooKeeper restores', async () => {
    const dir = fresh();
    const v2 = versionDir(dir);
    writeSnapshot(v2, 0x10, snapshot());
    // An older log holding txns the snapshot covers, and the one after it.
    const covered = txnBytes({ zxid: 0x1, type: OpCode.error, body: (w) => void w.writeInt(0) });
    writeLog(v2, 0x1, logBytes([covered]));
    writeLog(v2, 0x11, logBytes(txns()));
    const { tree, txns: replayed } = await load(dir);
    assert.equal(replayed, 7);
    assert.equal(tree.lastZxid, 0x17);
    const app = tree.mustGet('/app');
    assert.equal(app.data, 'v2');
    assert.deepEqual(app.acl, DIGEST_READ);
    assert.equal(app.creations, 6, 'cversion from the create txn');
    assert.equal(tree.mustGet('/app/s-0000000005').data, 'a');
    assert.equal(tree.mustGet('/app/e').kind, NodeKind.ephemeral);
    assert.equal(tree.mustGet('/app/e').ephemeralOwner, S1);
    assert.equal(tree.mustGet('/c').kind, NodeKind.container);
    assert.equal(tree.get('/t'), undefined, 'the multi deleted the TTL node');
    assert.equal(tree.mustGet('/m').data, 'm');
    assert.equal(tree.get('/e2'), undefined, 'closeSession removed the ephemeral');
    assert.deepEqual(
      [...tree.sessions.keys()].sort((a, b) => (a < b ? -1 : 1)),
      [7n, S1],
    );
    assert.deepEqual(tree.sessions.get(S1)?.passwd, zooKeeperSessionPassword(S1));
    assert.equal(toStat(tree.mustGet('/')).pzxid, 0x15, 'the root pzxid: /e2 went last');
  });

  it('reads a TTL node and a gzip snapshot', async () => {
    const dir = fresh();
    writeSnapshot(versionDir(dir), 0x10, snapshot(), true);
    const { tree } = await load(dir);
    const ttl = tree.mustGet('/t');
    assert.equal(ttl.kind, NodeKind.ttl);
    assert.equal(ttl.ttlMs, 60_000);
    assert.equal(tree.lastZxid, 0x10);
  });

  it('skips a damaged newest snapshot for an older one and replays more log', async () => {
    const dir = fresh();
    const v2 = versionDir(dir);
    writeSnapshot(v2, 0x10, snapshot());
    const bad = snapshot();
    // A byte of the last node's stat: the seal no longer matches.
    bad.writeUInt8(bad[bad.length - 20]! ^ 0xff, bad.length - 20);
    writeSnapshot(v2, 0x15, bad);
    writeLog(v2, 0x11, logBytes(txns()));
    const { tree, lines } = await load(dir);
    assert.equal(tree.lastZxid, 0x17);
    assert.ok(lines.some((l) => l.includes('skipping a damaged snapshot')));
  });

  it('replays a fuzzy range: a create of a node the snapshot has is skipped', async () => {
    const dir = fresh();
    const v2 = versionDir(dir);
    writeSnapshot(v2, 0x10, snapshot());
    const again = txnBytes({ zxid: 0x11, type: OpCode.create, body: create('/app/e', 'z', 7) });
    writeLog(v2, 0x11, logBytes([again]));
    const { tree } = await load(dir);
    assert.equal(tree.mustGet('/app/e').data, null, 'the node is the snapshot one');
    assert.equal(tree.mustGet('/app').creations, 7, "but the parent's cversion moves on");
    assert.equal(tree.mustGet('/app').pzxid, 0x11);
  });
});

describe('import: older shapes', () => {
  it('reads 3.4 records (closeSession without a record, CreateTxnV0) and drops orphans', async () => {
    const dir = fresh();
    const v2 = versionDir(dir);
    const orphan = { path: '/o', data: '', acl: -1n, czxid: 11, mzxid: 11, owner: 99n };
    writeSnapshot(v2, 0x10, snapshot({ nodes: [...baseNodes().slice(0, 3), orphan] }));
    const v0 = (w: JuteWriter) => {
      w.writeString('/v0').writeBuffer(Buffer.from('old')).writeInt(1);
      w.writeInt(31).writeString('world').writeString('anyone').writeBool(false);
    };
    writeLog(
      v2,
      0x11,
      logBytes([
        txnBytes({ zxid: 0x11, session: S1, type: OpCode.create, body: create('/x', '', 2, true) }),
        txnBytes({ zxid: 0x12, type: OpCode.create, body: v0 }),
        txnBytes({ zxid: 0x13, session: S1, type: OpCode.closeSession, body: () => undefined }),
      ]),
    );
    const { tree } = await load(dir);
    assert.equal(tree.get('/x'), undefined, 'closed with its session');
    assert.equal(tree.mustGet('/v0').data, 'old');
    assert.equal(tree.mustGet('/').creations, 3, 'V0: one more than the parent had');
    assert.equal(dropOrphanEphemerals(tree), 1);
    assert.equal(tree.get('/o'), undefined, 'an ephemeral of no session is dropped');
  });
});

describe('import: damage', () => {
  it('drops a torn final record of the newest log with a warning', async () => {
    const dir = fresh();
    const v2 = versionDir(dir);
    writeSnapshot(v2, 0x10, snapshot());
    const bytes = logBytes(txns(), 0);
    const path = writeLog(v2, 0x11, bytes);
    truncateSync(path, bytes.length - 5);
    const { tree, lines } = await load(dir);
    assert.equal(tree.lastZxid, 0x16, 'the torn 0x17 is left out');
    assert.ok(lines.some((l) => l.includes('partial record')));
  });

  it('refuses a record that fails its checksum, naming file and offset', async () => {
    const dir = fresh();
    const v2 = versionDir(dir);
    writeSnapshot(v2, 0x10, snapshot());
    const records = txns();
    const bytes = logBytes(records);
    const second = 16 + 13 + (records[0] as Buffer).length;
    // A byte of the second record's body.
    bytes.writeUInt8(bytes[second + 13 + 30]! ^ 1, second + 13 + 30);
    const path = writeLog(v2, 0x11, bytes);
    await assert.rejects(
      load(dir),
      (e: unknown) =>
        e instanceof ImportError &&
        e.message.includes(path) &&
        e.message.includes(`byte ${second}`) &&
        e.message.includes('checksum'),
    );
  });

  it('refuses a hostile record length before allocating it', async () => {
    const dir = fresh();
    const v2 = versionDir(dir);
    writeSnapshot(v2, 0x10, snapshot());
    const bytes = logBytes(txns());
    bytes.writeInt32BE(0x7ffffff0, 16 + 8);
    writeLog(v2, 0x11, bytes);
    await assert.rejects(load(dir), /byte 16: a record length of 2147483632 bytes/);
  });

  it('refuses a snapshot with a hostile data length or an unknown ACL, naming the offset', async () => {
    const hostile = snapshotBytes({
      sessions: [],
      acls: [],
      nodes: [{ path: '/', data: 'x', acl: -1n, czxid: 0, mzxid: 0 }],
    });
    // The root's data length, after the header (16), the two counts (8) and its path "" (4);
    // errors name where the record starts.
    hostile.writeInt32BE(0x7fffffff, 28);
    const missing = snapshotBytes({
      sessions: [],
      acls: [],
      nodes: [{ path: '/', data: 'x', acl: 5n, czxid: 0, mzxid: 0 }],
    });
    for (const [bytes, problem] of [
      [hostile, /snapshot\.10 at byte 24: node data has an impossible length 2147483647/],
      [missing, /snapshot\.10 at byte 24: a node names ACL 5, not in the ACL table/],
    ] as const) {
      const dir = fresh();
      writeSnapshot(versionDir(dir), 0x10, bytes);
      await assert.rejects(load(dir), problem);
    }
  });

  it('refuses a log that skips txns after the snapshot', async () => {
    const dir = fresh();
    const v2 = versionDir(dir);
    writeSnapshot(v2, 0x10, snapshot());
    writeLog(v2, 0x12, logBytes(txns().slice(1)));
    await assert.rejects(load(dir), /txn 0x12 follows 0x10; the txns between are missing/);
  });

  it('compares the digest the snapshot records', async () => {
    const dir = fresh();
    writeSnapshot(versionDir(dir), 0x10, snapshot({ digest: { zxid: 0x10, value: 12345n } }));
    const wrong = /tree digest after txn 0x10 is [0-9a-f]+, but the snapshot says 3039/;
    await assert.rejects(load(dir), wrong);
    const { tree } = await load(dir, true);
    assert.equal(tree.lastZxid, 0x10);
  });

  it("settles a mark that lags the snapshot's tree by one txn with that txn's digest", async () => {
    // ZooKeeper writes the digest of the last txn it finished after the tree, and the txn it
    // was applying meanwhile may already show in the nodes: here 0x11's create.
    const created = '/app/s-0000000005';
    const createTxn = (digest?: bigint) =>
      txnBytes({ zxid: 0x11, type: OpCode.create, body: create(created, 'a', 6), digest });
    const digestOf = async (logs: Buffer[]) => {
      const dir = fresh();
      writeSnapshot(versionDir(dir), 0x10, snapshot());
      if (logs.length > 0) writeLog(versionDir(dir), 0x11, logBytes(logs));
      return zooKeeperDigest((await load(dir)).tree);
    };
    const before = await digestOf([]);
    const after = await digestOf([createTxn()]);
    const nodes = snapshotNodes().map((n) =>
      n.path === '/app' ? { ...n, pzxid: 0x11, cversion: 6 } : n,
    );
    const at = nodes.findIndex((n) => n.path === '/app/e') + 1;
    const time = 0x11 + 5000;
    nodes.splice(at, 0, {
      path: created,
      data: 'a',
      acl: -1n,
      czxid: 0x11,
      mzxid: 0x11,
      ctime: time,
      mtime: time,
    });
    const fuzzy = snapshot({ nodes, digest: { zxid: 0x10, value: before } });
    const attempt = async (next: Buffer | null) => {
      const dir = fresh();
      writeSnapshot(versionDir(dir), 0x10, fuzzy);
      if (next !== null) writeLog(versionDir(dir), 0x11, logBytes([next]));
      return load(dir);
    };
    const settled = await attempt(createTxn(after));
    assert.equal(settled.tree.lastZxid, 0x11);
    assert.equal(settled.digestsChecked, 1);
    assert.equal(zooKeeperDigest(settled.tree), after);
    assert.ok(settled.lines.some((line) => line.includes('lagged its tree by one txn')));
    const mark = /after txn 0x10 is [0-9a-f]+, but the snapshot says [0-9a-f]+/;
    await assert.rejects(attempt(null), new RegExp(`${mark.source}.*no later txn settles it`));
    await assert.rejects(attempt(createTxn()), new RegExp(`${mark.source}.*nothing settles it`));
    await assert.rejects(attempt(createTxn(after ^ 1n)), /after txn 0x11 .* its log record says/);
  });

  it("reads 3.9's sealed trailer: a digest older than the snapshot, the last zxid", async () => {
    for (const extra of [
      { digest: { zxid: 0xf, value: 1n }, lastZxid: 0x10 },
      { lastZxid: 0x10 },
    ]) {
      const dir = fresh();
      writeSnapshot(versionDir(dir), 0x10, snapshot(extra));
      const { tree, digestsChecked } = await load(dir);
      assert.equal(tree.lastZxid, 0x10);
      assert.equal(digestsChecked, 0, 'a digest older than the snapshot says nothing');
    }
    const dir = fresh();
    const sealed = snapshot({ lastZxid: 0x10 });
    sealed.writeUInt8(sealed[sealed.length - 6]! ^ 1, sealed.length - 6);
    writeSnapshot(versionDir(dir), 0x10, sealed);
    await assert.rejects(load(dir), /no snapshot reads whole: .*trailer fails its Adler-32/);
  });

  it('refuses a Snappy snapshot with what to do instead', async () => {
    const dir = fresh();
    writeFileSync(join(versionDir(dir), 'snapshot.10.snappy'), Buffer.from('x'));
    await assert.rejects(load(dir), /Snappy-compressed.*compression\.method=gz/);
  });
});

describe('import: the Warren data directory', () => {
  it('writes a founding snapshot Warren loads, and refuses a non-empty target', async () => {
    const dir = fresh();
    const v2 = versionDir(dir);
    writeSnapshot(v2, 0x10, snapshot());
    writeLog(v2, 0x11, logBytes(txns()));
    const target = join(dir, 'warren');
    const { logger } = capture();
    const options = {
      zooKeeperDataDir: dir,
      dataDir: target,
      dataLogDir: target,
      serverId: 1,
      snapRetainCount: 3,
      ignoreDigest: false,
      logger,
    };
    const summary = await importZooKeeper(options);
    assert.equal(summary.zxid, 0x17);
    assert.equal(existsSync(`${target}.importing`), false, 'written beside, then renamed');
    const paths = raftPaths(target, target);
    const collector = recordCollector();
    const stored = await loadNewestRaftSnapshot(nodeDisk, paths, logger, collector.load);
    assert.equal(stored?.index, 0x17);
    const tree = loadSnapshot(collector.records());
    assert.equal(tree.mustGet('/app').data, 'v2');
    assert.equal(tree.mustGet('/zookeeper/config').data, '', 'ZooKeeper config left behind');
    assert.equal(tree.digest, tree.computeDigest());
    await assert.rejects(importZooKeeper(options), /is not empty/);
  });
});
