/**
 * Snapshots of an ensemble's members, taken with `csnp` at one index, are the same tree
 * (`warren inspect --compare`); one of them restored (`warren restore`) starts a standalone
 * server with the ensemble's data and without the old ensemble's configuration.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { connected } from '../client/support.js';
import { parseLgif } from '../support/lgif.js';
import { makeOwnedDir, removeOwnedDir, sleep } from '../support/server-process.js';
import { runWarren } from '../support/warren-cli.js';
import { startWarren } from '../support/warren-proc.js';
import { clientOn, SUITE_TIMEOUT_MS, withEnsemble } from './support/harness.js';

const config = { '4lw.commands.whitelist': 'mntr,srvr,csnp,lgif' };

describe('backups of an ensemble', { timeout: SUITE_TIMEOUT_MS }, () => {
  it('snapshots members at one index alike, and restores one as a standalone server', async () => {
    const work = makeOwnedDir('warren-ens-backup-');
    try {
      await withEnsemble({ size: 3, config }, async (ens) => {
        const leader = await ens.leader();
        const client = await clientOn(ens, leader.id);
        try {
          await client.create('/svc', { data: 'ensemble' });
          for (let i = 0; i < 30; i++) await client.create(`/svc/m${i}`, { data: `${i}` });
        } finally {
          await client.close();
        }
        const index = await settledIndex(ens);
        for (const s of ens.servers) assert.equal(await ens.fourLetter(s.id, 'csnp'), `${index}\n`);
        const files = ens.servers.map((s) =>
          join(s.dataDir, 'raft-snapshots', `snapshot.${index.toString(16).padStart(16, '0')}`),
        );
        await waitFor(() => files.every((file) => existsSync(file)), 'every member snapshots');
        const [a, b, c] = files as [string, string, string];
        for (const other of [b, c]) {
          const run = await runWarren(['inspect', '--compare', a, other]);
          assert.equal(run.code, 0, run.stdout + run.stderr);
          assert.match(run.stdout, /0 only in A, 0 only in B, 0 differ/);
        }

        const dataDir = join(work, 'restored');
        const restore = await runWarren(['restore', '--from', b, '--data-dir', dataDir]);
        assert.equal(restore.code, 0, restore.stderr);
        assert.match(restore.stdout, /voters \[1,2,3\]/); // the backup's membership, replaced
        const standalone = await startWarren({ dataDir });
        try {
          const reader = await connected(standalone.connectString);
          try {
            assert.equal((await reader.getData('/svc')).data?.toString(), 'ensemble');
            assert.equal((await reader.getChildren('/svc')).length, 30);
            const dynamic = (await reader.getData('/zookeeper/config')).data;
            assert.equal(dynamic?.length ?? 0, 0, 'the old ensemble is forgotten');
            await reader.create('/svc/after', { data: 'alone' });
          } finally {
            await reader.close();
          }
          const listing = await runWarren(['inspect', '-d', dataDir, '--no-log']);
          assert.match(listing.stdout, /voters \[1\], learners \[\]/);
        } finally {
          await standalone.stop();
        }
      });
    } finally {
      removeOwnedDir(work);
    }
  });
});

type Ens = Parameters<Parameters<typeof withEnsemble>[1]>[0];

/** Waits until every member has applied the same index, and returns it. */
async function settledIndex(ens: Ens): Promise<number> {
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
  return index;
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out: ${what}`);
    await sleep(50);
  }
}
