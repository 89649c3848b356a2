/**
 * The AdminServer's `restore` on a 3-member ensemble (replicated through the log): a backup,
 * more writes, then the backup POSTed to a follower (forwarded to the leader): every member's
 * tree is the backup's (snapshots compared with `warren inspect --compare`, reads on each
 * member), writes go on, and a restarted member still has it. A leader killed after writing
 * chunks but before the commit entry leaves the old tree on every member, and a retry through
 * the new leader succeeds.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseLgif } from '../support/lgif.js';
import { freePort, LOOPBACK_HOST } from '../support/ports.js';
import { makeOwnedDir, removeOwnedDir, sleep } from '../support/server-process.js';
import { runWarren } from '../support/warren-cli.js';
import { clientOn, SUITE_TIMEOUT_MS, withEnsemble } from './support/harness.js';

const AUTH = 'admin:secret'; // the root's ACL is open: any digest identity has ALL on /

type Ens = Parameters<Parameters<typeof withEnsemble>[1]>[0];

async function adminPorts(): Promise<Map<number, number>> {
  const ports = new Map<number, number>();
  for (const id of [1, 2, 3]) ports.set(id, await freePort());
  return ports;
}

function options(ports: Map<number, number>) {
  return {
    size: 3,
    config: { '4lw.commands.whitelist': 'mntr,srvr,csnp,lgif' },
    memberConfig: (id: number) => ({
      'admin.enableServer': 'true',
      'admin.serverAddress': LOOPBACK_HOST,
      'admin.serverPort': String(ports.get(id)),
    }),
  };
}

const adminOf = (ports: Map<number, number>, id: number) => `${LOOPBACK_HOST}:${ports.get(id)}`;

async function post(admin: string, body: Buffer): Promise<{ status: number; answer: string }> {
  const response = await fetch(`http://${admin}/commands/restore`, {
    method: 'POST',
    body,
    headers: { Authorization: `digest ${AUTH}` },
  });
  return { status: response.status, answer: await response.text() };
}

/** /app with 20 children, a backup of it, then writes the backup lacks. */
async function backupThenChange(ens: Ens, admin: string, file: string): Promise<void> {
  const leader = await ens.leader();
  const client = await clientOn(ens, leader.id);
  try {
    await client.create('/app', { data: 'root' });
    for (let i = 0; i < 20; i++) await client.create(`/app/n${i}`, { data: `v${i}` });
    const run = await runWarren(['backup', '--server', admin, '--out', file, '--auth', AUTH]);
    assert.equal(run.code, 0, run.stderr);
    await client.create('/later', { data: 'after the backup' });
    await client.setData('/app/n1', Buffer.from('changed'));
    await client.delete('/app/n2');
  } finally {
    await client.close();
  }
}

/** What member `id` alone serves: the backup's tree (true) or the later one (false). */
async function holdsBackup(ens: Ens, id: number): Promise<boolean> {
  const client = await clientOn(ens, id, { only: true });
  try {
    const later = await client.exists('/later');
    const n1 = (await client.getData('/app/n1')).data?.toString();
    const n2 = await client.exists('/app/n2');
    if (later === null && n1 === 'v1' && n2 !== null) return true;
    assert.ok(later !== null && n1 === 'changed' && n2 === null, `member ${id}: a mixed tree`);
    return false;
  } finally {
    await client.close();
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out: ${what}`);
    await sleep(50);
  }
}

async function lastLogIndex(ens: Ens, id: number): Promise<number> {
  return parseLgif(await ens.fourLetter(id, 'lgif')).get('last_log_idx') ?? -1;
}

/** Every member applied the same index, snapshotted there, and the snapshots are alike. */
async function assertSameSnapshots(ens: Ens, backup: string): Promise<void> {
  let index = -1;
  await waitFor(async () => {
    const applied = await Promise.all(
      ens.servers.map(async (s) => {
        const lgif = parseLgif(await ens.fourLetter(s.id, 'lgif'));
        return lgif.get('last_committed_log_idx') ?? -1;
      }),
    );
    index = applied[0] ?? -1;
    return applied.every((i) => i === index);
  }, 'every member applies the same index');
  for (const s of ens.servers) assert.equal(await ens.fourLetter(s.id, 'csnp'), `${index}\n`);
  const name = `snapshot.${index.toString(16).padStart(16, '0')}`;
  const files = ens.servers.map((s) => join(s.dataDir, 'raft-snapshots', name));
  await waitFor(() => files.every((file) => existsSync(file)), 'every member snapshots');
  for (const file of files) {
    const run = await runWarren(['inspect', '--compare', backup, file]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /0 only in A, 0 only in B, 0 differ/);
  }
}

describe('AdminServer restore on an ensemble', { timeout: SUITE_TIMEOUT_MS }, () => {
  it('restores every member through a follower, writes go on, a restart keeps it', async () => {
    const work = makeOwnedDir('warren-ens-restore-');
    const ports = await adminPorts();
    try {
      await withEnsemble(options(ports), async (ens) => {
        const { followers } = await ens.roles();
        const follower = followers[0];
        assert.ok(follower !== undefined);
        const backup = join(work, 'backup.snapshot');
        await backupThenChange(ens, adminOf(ports, follower.id), backup);
        const { status, answer } = await post(adminOf(ports, follower.id), readFileSync(backup));
        assert.equal(status, 200, answer);
        assert.equal((JSON.parse(answer) as Record<string, unknown>)['error'], null);
        for (const s of ens.servers) assert.equal(await holdsBackup(ens, s.id), true);
        await assertSameSnapshots(ens, backup);

        const leader = await ens.leader();
        const writer = await clientOn(ens, leader.id);
        try {
          await writer.create('/after', { data: 'restored' });
        } finally {
          await writer.close();
        }
        await ens.restart(follower.id);
        assert.equal(await holdsBackup(ens, follower.id), true);
        const reader = await clientOn(ens, follower.id, { only: true });
        try {
          await waitFor(async () => (await reader.exists('/after')) !== null, '/after everywhere');
        } finally {
          await reader.close();
        }
      });
    } finally {
      removeOwnedDir(work);
    }
  });

  it('a leader killed before the commit entry leaves the old tree; a retry succeeds', async () => {
    const work = makeOwnedDir('warren-ens-restore-kill-');
    const ports = await adminPorts();
    try {
      await withEnsemble(options(ports), async (ens) => {
        const { leader, followers } = await ens.roles();
        const backup = join(work, 'backup.snapshot');
        await backupThenChange(ens, adminOf(ports, leader.id), backup);
        const upload = readFileSync(backup);
        const before = await lastLogIndex(ens, leader.id);
        // Followers paused: the leader writes chunks it cannot commit, so no commit entry.
        for (const f of followers) await ens.stop(f.id);
        const attempt = post(adminOf(ports, leader.id), upload).catch((e: unknown) => e);
        await waitFor(async () => (await lastLogIndex(ens, leader.id)) > before, 'chunks');
        await ens.kill(leader.id);
        for (const f of followers) await ens.cont(f.id);
        const outcome = await attempt;
        assert.ok(
          !(
            typeof outcome === 'object' &&
            outcome !== null &&
            'status' in outcome &&
            outcome.status === 200
          ),
          'the killed leader did not answer 200',
        );
        await ens.leader();
        for (const f of followers) assert.equal(await holdsBackup(ens, f.id), false);
        ens.start(leader.id);
        await ens.ready();
        assert.equal(await holdsBackup(ens, leader.id), false);

        const { followers: now } = await ens.roles();
        const target = now[0];
        assert.ok(target !== undefined);
        const retry = await post(adminOf(ports, target.id), upload);
        assert.equal(retry.status, 200, retry.answer);
        for (const s of ens.servers) {
          await waitFor(async () => await holdsBackup(ens, s.id), `member ${s.id} restored`);
        }
        await assertSameSnapshots(ens, backup);
      });
    } finally {
      removeOwnedDir(work);
    }
  });
});
