// `warren import` on data written by Debian's real ZooKeeper 3.8 in this test: persistent,
// ephemeral, sequential, container and TTL nodes with ACLs, over several snapshots and logs
// (snapCount is tiny) in a separate dataLogDir, ZooKeeper SIGKILLed with sessions alive. The
// import is refused while ZooKeeper runs; afterwards Warren starts on the result and every
// znode's data, ACL and Stat equal ZooKeeper's, the next sequential name follows on, a live
// session resumes with the id and password ZooKeeper gave it, and another one expires.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createClient, Perm, type ZooKeeperClient } from '../../src/client/index.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import type { ACL, Stat } from '../../src/protocol/records.js';
import { digestId } from '../support/digest.js';
import { RawClient } from '../support/raw-client.js';
import { startWarren, WARREN_MAIN, warrenBuilt } from '../support/warren-proc.js';
import {
  startZooKeeper,
  zooKeeperAvailable,
  ZOOKEEPER_UNAVAILABLE_REASON,
} from '../support/zookeeper-ref.js';

interface Znode {
  data: string | null;
  stat: Stat;
  acl: ACL[];
}

const skip = !zooKeeperAvailable()
  ? ZOOKEEPER_UNAVAILABLE_REASON
  : !warrenBuilt()
    ? 'Warren is not built'
    : undefined;
const USER = 'importer:secret';
const ACL_MIXED: ACL[] = [
  { perms: Perm.all, id: { scheme: 'digest', id: digestId('importer', 'secret') } },
  { perms: Perm.read, id: { scheme: 'world', id: 'anyone' } },
];
/** Anyone may read and add or remove children (sessions without auth make ephemerals). */
const ACL_SHARED: ACL[] = [
  { perms: Perm.all, id: { scheme: 'digest', id: digestId('importer', 'secret') } },
  { perms: Perm.read | Perm.create | Perm.delete, id: { scheme: 'world', id: 'anyone' } },
];
const SHORT_SESSION_MS = 4_000;

async function connect(port: number, sessionTimeoutMs = 20_000): Promise<ZooKeeperClient> {
  const client = await createClient(`127.0.0.1:${port}`, { sessionTimeoutMs }).connect();
  await client.addAuth('digest', USER);
  return client;
}

/** Every znode but /zookeeper/config (each server writes its own) with data, Stat and ACL. */
async function dump(client: ZooKeeperClient): Promise<Map<string, Znode>> {
  const out = new Map<string, Znode>();
  const walk = async (path: string): Promise<void> => {
    const { data, stat } = await client.getData(path);
    const { acl } = await client.getACL(path);
    if (path !== '/zookeeper/config') {
      out.set(path, { data: data === null ? null : data.toString('hex'), stat, acl });
    }
    for (const name of (await client.getChildren(path)).sort()) {
      await walk(path === '/' ? `/${name}` : `${path}/${name}`);
    }
  };
  await walk('/');
  return out;
}

function runImport(args: string[]): { status: number | null; output: string } {
  const run = spawnSync(
    process.execPath,
    [WARREN_MAIN, 'import', '--log-format', 'json', ...args],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

async function writeWorkload(client: ZooKeeperClient): Promise<void> {
  await client.create('/app', { data: 'v1', acl: ACL_SHARED });
  for (let i = 0; i < 12; i++) {
    await client.create('/app/seq-', { mode: 'persistentSequential', data: `n${i}` });
  }
  await client.delete('/app/seq-0000000002');
  await client.create('/app/ctr', { mode: 'container' });
  await client.create('/app/ctr/child', { data: Buffer.from([0, 1, 255]) });
  await client.create('/app/ttl', { mode: 'persistentWithTtl', ttlMs: 3_600_000, data: 't' });
  await client.create('/app/null', { data: null });
  await client.setData('/app', 'v2');
  await client.setData('/app', 'v3');
  await client.setACL('/app/null', ACL_MIXED);
  const tx = client.transaction();
  tx.create('/app/multi-a', { data: 'a' });
  tx.setData('/app/multi-a', 'a2');
  await tx.commit();
  for (let i = 0; i < 6; i++) await client.create(`/app/tail-${i}`, { data: `${i}` });
}

describe('warren import of a ZooKeeper 3.8 data directory', { skip, timeout: 180_000 }, () => {
  const temp = mkdtempSync(join(tmpdir(), 'warren-import-'));
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(temp, { recursive: true, force: true });
  });

  it('carries every znode, ACL, Stat and live session over', async () => {
    const zkLogDir = join(temp, 'zk-log');
    mkdirSync(zkLogDir);
    const zk = await startZooKeeper({
      extendedTypes: true,
      keepDataDir: true,
      extraConfig: { snapCount: '8', dataLogDir: zkLogDir },
    });
    cleanups.push(() => zk.stop());
    const owner = await connect(zk.port);
    cleanups.push(() => owner.close());
    await writeWorkload(owner);
    // A session that closes: its ephemeral goes with it (a closeSession txn to replay).
    const closing = await connect(zk.port);
    await closing.create('/app/gone', { mode: 'ephemeral' });
    await closing.close();
    // Two sessions alive at the kill: one to resume on Warren, one to expire there.
    const resumable = await RawClient.connect('127.0.0.1', zk.port, { timeoutMs: 30_000 });
    cleanups.push(() => {
      resumable.destroy();
      return Promise.resolve();
    });
    const created = await resumable.request({
      type: OpCode.create,
      path: '/app/eph-resume',
      data: Buffer.from('mine'),
      acl: [{ perms: Perm.all, id: { scheme: 'world', id: 'anyone' } }],
      flags: 1,
      ttl: -1,
    });
    assert.equal(created.header.err, 0);
    const expiring = await connect(zk.port, SHORT_SESSION_MS);
    cleanups.push(() => expiring.close());
    await expiring.create('/app/eph-expire', { mode: 'ephemeral', data: 'bye' });
    await expiring.create('/app/eseq-', { mode: 'ephemeralSequential' });
    const expected = await dump(owner);
    const target = join(temp, 'warren');
    const zkArgs = ['--zookeeper-data-dir', zk.dataDir, '--zookeeper-data-log-dir', zkLogDir];

    const whileRunning = runImport([...zkArgs, '--data-dir', target]);
    assert.equal(whileRunning.status, 1, whileRunning.output);
    assert.match(whileRunning.output, /is running/);

    await zk.kill('SIGKILL');
    const imported = runImport([...zkArgs, '--data-dir', target]);
    assert.equal(imported.status, 0, imported.output);
    assert.match(imported.output, /"digestsChecked":[1-9]/, imported.output);
    const again = runImport([...zkArgs, '--data-dir', target]);
    assert.equal(again.status, 1, again.output);
    assert.match(again.output, /is not empty/);

    const warren = await startWarren({
      dataDir: target,
      config: { extendedTypesEnabled: 'true' },
    });
    cleanups.push(() => warren.stop());
    const reader = await connect(warren.port);
    cleanups.push(() => reader.close());
    {
      const actual = await dump(reader);
      assert.deepEqual([...actual.keys()], [...expected.keys()]);
      for (const [path, want] of expected) assert.deepEqual(actual.get(path), want, path);

      // The sequential counter goes on from ZooKeeper's (cversion counts creations twice).
      const app = expected.get('/app')?.stat as Stat;
      const next = (app.cversion + app.numChildren) / 2;
      const name = await reader.create('/app/seq-', { mode: 'persistentSequential' });
      assert.equal(name, `/app/seq-${String(next).padStart(10, '0')}`);
      const fresh = (await reader.exists(name)) as Stat;
      assert.ok(fresh.czxid > (expected.get('/app/tail-5')?.stat.czxid ?? 0), 'zxids go on');

      // The session ZooKeeper handed out resumes with its id and password.
      const back = await RawClient.connect('127.0.0.1', warren.port, {
        timeoutMs: 30_000,
        sessionId: resumable.sessionId,
        passwd: resumable.passwd,
        lastZxidSeen: resumable.lastZxid,
      });
      assert.ok(back.timeOut > 0, 'the session was resumed');
      // The other one expires after its timeout, and its ephemerals go.
      const deadline = Date.now() + 30_000;
      while ((await reader.exists('/app/eph-expire')) !== null) {
        assert.ok(Date.now() < deadline, 'the dead session expired');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.deepEqual(
        (await reader.getChildren('/app')).filter((n) => n.startsWith('e')),
        ['eph-resume'],
      );
      await back.close();
      assert.equal(await reader.exists('/app/eph-resume'), null);
    }
  });
});
