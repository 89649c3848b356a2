/**
 * An ensemble restored from a backup, as docs/operations.md says: `warren restore` into the
 * first member's directory, that member started alone (standaloneEnabled=false, its own
 * server.1 line), then two empty members join by reconfig and receive the restored tree.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { freePort, LOOPBACK_HOST } from '../support/ports.js';
import { makeOwnedDir } from '../support/server-process.js';
import { runWarren } from '../support/warren-cli.js';
import { startWarren } from '../support/warren-proc.js';
import {
  children,
  connected,
  connectedEventually,
  line,
  listening,
  planServers,
  start,
  SUPER_PASSWORD,
  type Server,
  cleanUp,
  printLogTails,
} from './support/real-members.js';

describe('restoring an ensemble from a backup', { timeout: 180_000 }, () => {
  it('restores the first member, which the others then join', async () => {
    const root = makeOwnedDir('warren-restore-grow-');
    const servers: Server[] = await planServers(root, 3);
    const [one, two, three] = servers as [Server, Server, Server];
    const clients: ZooKeeperClient[] = [];
    try {
      const backup = join(root, 'backup.snapshot');
      const adminPort = await freePort();
      const source = await startWarren({
        config: {
          'admin.enableServer': 'true',
          'admin.serverAddress': LOOPBACK_HOST,
          'admin.serverPort': String(adminPort),
        },
      });
      try {
        const writer = await connected({ ...one, clientPort: source.port });
        for (let i = 0; i < 25; i++) await writer.create(`/r${i}`, { data: `v${i}` });
        await writer.close();
        const run = await runWarren(
          ['backup', '-s', `${LOOPBACK_HOST}:${adminPort}`, '-o', backup, '--auth', 'a:b'],
          {},
        );
        assert.equal(run.code, 0, run.stderr);
      } finally {
        await source.stop();
      }

      const restore = await runWarren(['restore', '-f', backup, '-d', one.dataDir, '--myid', '1']);
      assert.equal(restore.code, 0, restore.stderr);
      start(one, [one], {});
      const first = await connectedEventually(one);
      clients.push(first);
      assert.equal((await first.getData('/r24')).data?.toString(), 'v24');
      await first.addAuth('digest', `super:${SUPER_PASSWORD}`);

      for (const s of [two, three]) start(s, [one, two, three], { 'warren.join': 'true' });
      for (const s of [two, three]) await listening(s.peerPort);
      const grown = await first.reconfig({ joiningServers: `${line(two)},${line(three)}` });
      for (const s of servers) assert.match(grown.config, new RegExp(`^server\\.${s.id}=`, 'm'));
      await first.create('/after', { data: 'joined' });
      for (const s of [two, three]) {
        const there = await connected(s);
        clients.push(there);
        await there.sync('/');
        assert.equal((await children(there, '/')).filter((n) => /^r\d+$/.test(n)).length, 25);
        assert.equal((await there.getData('/after')).data?.toString(), 'joined');
      }
    } catch (error) {
      printLogTails(servers);
      throw error;
    } finally {
      await cleanUp(servers, clients, root);
    }
  });
});
