/**
 * The AdminServer's `restore` online (ZooKeeper 3.9's command, durable in Warren): a backup
 * taken from a running server, more writes, then the backup POSTed back: the tree equals the
 * backup, the clients' sessions the backup lacks are expired, the restore is audit-logged, and
 * a restart recovers the restored tree. Damaged, truncated, oversized and unauthenticated
 * uploads are refused with nothing changed.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { adminRestoreBytesMax } from '../../src/util/limits.js';
import { connected, waitFor } from '../client/support.js';
import { freePort, LOOPBACK_HOST } from '../support/ports.js';
import { makeOwnedDir, removeOwnedDir } from '../support/server-process.js';
import { runWarren } from '../support/warren-cli.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

const AUTH = 'admin:secret'; // the root's ACL is open: any digest identity has ALL on /

describe('AdminServer restore online', () => {
  let server: RunningServer;
  let admin: string;
  let work: string;
  let dataDir: string;
  let adminPort: number;
  let backup: string;
  const config = (): Record<string, string> => ({
    'admin.enableServer': 'true',
    'admin.serverAddress': LOOPBACK_HOST,
    'admin.serverPort': String(adminPort),
    'audit.enable': 'true',
  });

  before(async () => {
    work = makeOwnedDir('warren-admin-restore-');
    dataDir = join(work, 'data');
    adminPort = await freePort();
    admin = `${LOOPBACK_HOST}:${adminPort}`;
    server = await startWarren({ dataDir, config: config() });
    const client = await connected(server.connectString);
    try {
      await client.create('/app', { data: 'root' });
      for (let i = 0; i < 20; i++) await client.create(`/app/n${i}`, { data: `v${i}` });
    } finally {
      await client.close();
    }
    backup = join(work, 'backup.snapshot');
    const run = await runWarren(['backup', '--server', admin, '--out', backup, '--auth', AUTH]);
    assert.equal(run.code, 0, run.stderr);
  });
  after(async () => {
    await server?.stop();
    if (work !== undefined) removeOwnedDir(work);
  });

  const post = (body: Buffer, auth: string | null = AUTH) =>
    fetch(`http://${admin}/commands/restore`, {
      method: 'POST',
      body,
      headers: auth === null ? {} : { Authorization: `digest ${auth}` },
    });

  it('refuses damaged, truncated, unauthenticated and oversized uploads, changing nothing', async () => {
    const client = await connected(server.connectString);
    try {
      await client.create('/later', { data: 'after the backup' });
      await client.setData('/app/n1', Buffer.from('changed'));
      await client.delete('/app/n2');
      const bytes = readFileSync(backup);
      const damaged = Buffer.from(bytes);
      damaged.writeUInt8(damaged.readUInt8(damaged.length - 40) ^ 0xff, damaged.length - 40);
      for (const [upload, pattern] of [
        [damaged, /checksum|mismatch/],
        [bytes.subarray(0, bytes.length - 100), /trailer|length|cut|truncated/],
        [Buffer.from('not a snapshot'), /damaged or truncated/],
      ] as const) {
        const response = await post(upload);
        const answer = (await response.json()) as Record<string, unknown>;
        assert.equal(response.status, 400, JSON.stringify(answer));
        assert.equal(answer['command'], 'restore');
        assert.match(String(answer['error']), pattern);
      }
      assert.equal((await post(bytes, null)).status, 401);
      const get = await fetch(`http://${admin}/commands/restore`, {
        headers: { Authorization: `digest ${AUTH}` },
      });
      assert.equal(get.status, 405);
      const oversized = await postDeclaring(admin, adminRestoreBytesMax + 1);
      assert.equal(oversized.status, 413);
      assert.match(oversized.body, /over the \d+-byte cap \(adminRestoreBytesMax\)/);
      // Nothing changed: the server still serves the writes made after the backup.
      assert.equal((await client.getData('/later')).data?.toString(), 'after the backup');
      assert.equal((await client.getData('/app/n1')).data?.toString(), 'changed');
    } finally {
      await client.close();
    }
  });

  it('replaces the tree by the backup, expires sessions the backup lacks, and audits', async () => {
    const client: ZooKeeperClient = await connected(server.connectString);
    const states: string[] = [];
    client.on('state', (state) => states.push(state));
    try {
      const response = await post(readFileSync(backup));
      const answer = (await response.json()) as Record<string, unknown>;
      assert.equal(response.status, 200, JSON.stringify(answer));
      assert.equal(answer['error'], null);
      assert.match(String(answer['last_zxid']), /^0x[0-9a-f]+$/);
      await waitFor(() => states.includes('expired'), 'the old session to expire');
    } finally {
      await client.close().catch(() => undefined);
    }
    await assertTreeIsBackup(server);
    const audit = readFileSync(join(dataDir, 'audit.log'), 'utf8');
    assert.match(audit, /operation=restore\tresult=success/);
    assert.match(audit, /operation=restore\tresult=failure/);
  });

  it('keeps the restored tree across a restart, and takes writes after it', async () => {
    await server.kill('SIGTERM');
    server = await startWarren({ dataDir, port: server.port, config: config() });
    await assertTreeIsBackup(server);
    const client = await connected(server.connectString);
    try {
      await client.create('/after-restore', { data: 'new' });
    } finally {
      await client.close();
    }
  });

  /** The server's newest snapshot equals the backup, node by node; and a client sees it. */
  async function assertTreeIsBackup(running: RunningServer): Promise<void> {
    const client = await connected(running.connectString);
    try {
      await assert.rejects(client.getData('/later'), /NoNode|no node/i);
      assert.equal((await client.getData('/app/n1')).data?.toString(), 'v1');
      assert.equal((await client.getData('/app/n2')).data?.toString(), 'v2');
      assert.equal((await client.getChildren('/app')).length, 20);
    } finally {
      await client.close();
    }
    const listing = await runWarren(['inspect', '-d', dataDir, '--no-log']);
    const newest = /(\S+snapshot\.[0-9a-f]{16}):/.exec(listing.stdout)?.[1];
    assert.ok(newest !== undefined, listing.stdout + listing.stderr);
    const diff = await runWarren(['inspect', '--compare', backup, newest]);
    assert.equal(diff.code, 0, diff.stdout + diff.stderr);
    assert.match(diff.stdout, /0 only in A, 0 only in B, 0 differ/);
  }
});

/** A POST that declares a body over the cap: refused before any of it is read. */
function postDeclaring(
  admin: string,
  contentLength: number,
): Promise<{ status: number; body: string }> {
  const [host, port] = admin.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port: Number(port),
        path: '/commands/restore',
        method: 'POST',
        headers: { Authorization: `digest ${AUTH}`, 'Content-Length': String(contentLength) },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.write(Buffer.alloc(1024));
  });
}
