/**
 * `warren backup` (a running server's AdminServer `snapshot?streaming=true`, verified before
 * it is named), `warren restore` (an empty data directory a server then starts on) and
 * `warren inspect` (a data directory's snapshots and log records; two snapshots compared),
 * as an operator runs them.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { connected } from '../client/support.js';
import { freePort, LOOPBACK_HOST } from '../support/ports.js';
import { fourLetter } from '../support/four-letter.js';
import { parseLgif } from '../support/lgif.js';
import { makeOwnedDir, removeOwnedDir, sleep } from '../support/server-process.js';
import { runWarren } from '../support/warren-cli.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

const AUTH = 'admin:secret'; // the root's ACL is open: any digest identity has ALL on /

describe('backup, restore and inspect', () => {
  let server: RunningServer;
  let admin: string;
  let work: string;
  before(async () => {
    work = makeOwnedDir('warren-backup-');
    const port = await freePort();
    admin = `${LOOPBACK_HOST}:${port}`;
    server = await startWarren({
      config: {
        'admin.enableServer': 'true',
        'admin.serverAddress': LOOPBACK_HOST,
        'admin.serverPort': String(port),
      },
    });
    const client = await connected(server.connectString);
    try {
      await client.create('/app', { data: 'root' });
      for (let i = 0; i < 50; i++) await client.create(`/app/n${i}`, { data: `v${i}` });
    } finally {
      await client.close();
    }
  });
  after(async () => {
    await server?.stop();
    if (work !== undefined) removeOwnedDir(work);
  });

  it('backs up a running server into a verified file, and never overwrites one', async () => {
    const out = join(work, 'one.snapshot');
    const run = await runWarren(['backup', '--server', admin, '--out', out, '--auth', AUTH]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^backup of .* in .*one\.snapshot: index \d+ .* 5[45] nodes/);
    assert.match(run.stderr, /backup from .*: 100%/);
    const again = await runWarren(['backup', '--server', admin, '--out', out, '--auth', AUTH]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists; backup never overwrites a file/);
  });

  it('says why a backup cannot be taken', async () => {
    const out = join(work, 'never.snapshot');
    const noAuth = await runWarren(['backup', '--server', admin, '--out', out]);
    assert.equal(noAuth.code, 1);
    assert.match(noAuth.stderr, /needs --auth user:password/);
    const port = await freePort();
    const nobody = await runWarren([
      'backup',
      '-s',
      `${LOOPBACK_HOST}:${port}`,
      '-o',
      out,
      '--auth',
      AUTH,
    ]);
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /cannot reach the AdminServer .*admin\.enableServer=true/);
  });

  it('restores into an empty directory a server then serves, refusing a used one', async () => {
    const from = join(work, 'two.snapshot');
    // One snapshot a minute (the AdminServer's limit): the first test's file is reused.
    const first = join(work, 'one.snapshot');
    writeFileSync(from, readFileSync(first));
    const dataDir = join(work, 'restored');
    const run = await runWarren(['restore', '--from', from, '--data-dir', dataDir]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /restored .* for server 1 \(the only voter\)/);
    assert.match(run.stderr, /restore into .*: 100%/);
    const used = await runWarren(['restore', '--from', from, '--data-dir', dataDir]);
    assert.equal(used.code, 1);
    assert.match(used.stderr, /is not empty .*restore prepares a new data directory only/);

    const restored = await startWarren({ dataDir });
    let client: ZooKeeperClient | undefined;
    try {
      client = await connected(restored.connectString);
      assert.equal((await client.getData('/app/n49')).data?.toString(), 'v49');
      assert.equal((await client.getChildren('/app')).length, 50);
      await client.create('/after-restore', { data: 'new' });
    } finally {
      await client?.close();
      await restored.stop();
    }
  });

  it('refuses a damaged backup, naming the problem', async () => {
    const bytes = readFileSync(join(work, 'one.snapshot'));
    const at = bytes.length - 40;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
    const damaged = join(work, 'damaged.snapshot');
    writeFileSync(damaged, bytes);
    const run = await runWarren(['restore', '--from', damaged, '--data-dir', join(work, 'no')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /is not a valid Warren snapshot: .*(checksum|mismatch)/);
  });

  it('inspects a data directory: snapshots, then log records with op and path', async () => {
    const run = await runWarren(['inspect', '--data-dir', server.dataDir]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /warning: a server \(pid \d+\) holds/);
    assert.match(run.stdout, /snapshots in .*raft-snapshots: \d+/);
    assert.match(run.stdout, /snapshot\.[0-9a-f]{16}: index \d+ .* nodes, .* digest 0x[0-9a-f]+/);
    assert.match(
      run.stdout,
      /index \d+ term \d+ zxid 0x[0-9a-f]+ time \S+ session 0x[0-9a-f]+ create \/app\/n7 /,
    );
    assert.match(run.stdout, /createSession 0x[0-9a-f]+ timeout \d+/);
    const snapshotsOnly = await runWarren(['inspect', '--data-dir', server.dataDir, '--no-log']);
    assert.doesNotMatch(snapshotsOnly.stdout, / create \/app/);
  });

  it('compares two snapshots by path', async () => {
    const same = await runWarren([
      'inspect',
      '--compare',
      join(work, 'one.snapshot'),
      join(work, 'two.snapshot'),
    ]);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /0 only in A, 0 only in B, 0 differ/);

    // A snapshot with one more node and one changed: written by a server on a copy.
    const dataDir = join(work, 'changed');
    mkdirSync(dataDir);
    assert.equal(
      (await runWarren(['restore', '-f', join(work, 'one.snapshot'), '-d', dataDir])).code,
      0,
    );
    const changed = await startWarren({ dataDir, args: ['--4lw', 'csnp,lgif'] });
    try {
      const client = await connected(changed.connectString);
      await client.create('/extra', { data: 'x' });
      await client.setData('/app/n3', Buffer.from('changed'));
      await client.close();
      const index = Number(await fourLetter(changed.host, changed.port, 'csnp'));
      for (;;) {
        const lgif = parseLgif(await fourLetter(changed.host, changed.port, 'lgif'));
        if ((lgif.get('last_snapshot_idx') ?? 0) >= index) break;
        await sleep(50);
      }
    } finally {
      await changed.stop();
    }
    const listing = await runWarren(['inspect', '-d', dataDir, '--no-log']);
    const newestFile = /(\S+snapshot\.[0-9a-f]{16}):/.exec(listing.stdout)?.[1];
    assert.ok(newestFile !== undefined, listing.stdout + listing.stderr);
    const diff = await runWarren(['inspect', '--compare', join(work, 'one.snapshot'), newestFile]);
    assert.equal(diff.code, 1, diff.stderr);
    assert.match(diff.stdout, /^\+ \/extra$/m);
    assert.match(diff.stdout, /^~ \/app\/n3 \(data, mzxid, mtime, version\)$/m);
  });

  it("refuses the AdminServer's restore without authentication (admin-restore.test.ts has the rest)", async () => {
    const response = await fetch(`http://${admin}/commands/restore`, {
      method: 'POST',
      body: 'not a snapshot',
    });
    assert.equal(response.status, 401);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body['command'], 'restore');
    assert.equal((await fetch(`http://${admin}/commands/ruok`, { method: 'POST' })).status, 405);
  });
});
