/**
 * A standalone server grows into an ensemble and shrinks back, on real processes, as
 * docs/ensemble.md describes: it runs alone with no server.N lines, is restarted on the same
 * data directory as server.1 with standaloneEnabled=false, reconfig adds servers 2 and 3
 * (started with warren.join=true), then removes them again. Every znode and the session
 * that was alive before the restart survive; a client connected to server 1 after the
 * restart stays connected through both reconfigs; servers 2 and 3 serve the whole tree
 * while they are members; a restart under another id is refused.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { Err } from '../../src/protocol/error-codes.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { LOOPBACK_HOST } from '../support/ports.js';
import { RawClient } from '../support/raw-client.js';
import { logTail, makeOwnedDir, stopServer } from '../support/server-process.js';
import { startWarren } from '../support/warren-proc.js';
import {
  children,
  connected,
  line,
  planServers,
  reattach,
  start,
  SUPER_PASSWORD,
  type Server,
  cleanUp,
  printLogTails,
} from './support/real-members.js';

const acl = [...OPEN_ACL_UNSAFE];

describe('growing a standalone server into an ensemble and back', { timeout: 180_000 }, () => {
  it('keeps every znode and session, and its clients connected throughout', async () => {
    const root = makeOwnedDir('warren-grow-');
    const servers: Server[] = await planServers(root, 3);
    const [one, two, three] = servers as [Server, Server, Server];
    const clients: ZooKeeperClient[] = [];
    try {
      // 1. Standalone, no server lines: some data and a session with an ephemeral.
      const alone = await startWarren({
        dataDir: one.dataDir,
        port: one.clientPort,
        keepDataDir: true,
      });
      const writer = await connected(one);
      for (let i = 0; i < 20; i++) await writer.create(`/k${i}`, { data: `v${i}` });
      await writer.close();
      const owner = await RawClient.connect(LOOPBACK_HOST, one.clientPort, { timeoutMs: 30_000 });
      const create = {
        type: 1 as const,
        path: '/owned',
        data: Buffer.from('e'),
        acl,
        flags: 1,
        ttl: -1,
      };
      assert.equal((await owner.request(create)).header.err, Err.ok);
      const session = { sessionId: owner.sessionId, passwd: owner.passwd };
      await alone.kill('SIGKILL');
      owner.destroy();

      // 2. The same directory as server.1 of a one-member ensemble: the session lives on.
      start(one, [one], {});
      const reattached = await reattach(one, session);
      assert.ok(reattached.timeOut > 0, 'the session survived the restart');
      reattached.destroy();
      const resumed = await connected(one);
      clients.push(resumed);
      assert.equal((await resumed.getData('/owned')).data?.toString(), 'e', 'ephemeral kept');
      const states: string[] = [];
      resumed.on('state', (state) => states.push(state));
      await resumed.addAuth('digest', `super:${SUPER_PASSWORD}`);

      // 3. Grow to three: the joiners start first and wait to be added.
      for (const s of [two, three]) start(s, [one, two, three], { 'warren.join': 'true' });
      const grown = await resumed.reconfig({ joiningServers: `${line(two)},${line(three)}` });
      for (const s of [one, two, three])
        assert.match(grown.config, new RegExp(`^server\\.${s.id}=`, 'm'));
      await resumed.create('/grown', { data: 'g' });
      for (const s of [two, three]) {
        const there = await connected(s);
        clients.push(there);
        await there.sync('/');
        assert.equal((await children(there, '/')).filter((n) => /^k\d+$/.test(n)).length, 20);
        assert.equal((await there.getData('/grown')).data?.toString(), 'g');
        assert.equal((await there.getData('/owned')).data?.toString(), 'e');
      }

      // 4. Shrink back to server 1 alone.
      const shrunk = await resumed.reconfig({ leavingServers: '2,3' });
      assert.doesNotMatch(shrunk.config, /^server\.[23]=/m);
      await resumed.create('/shrunk', { data: 's' });
      assert.equal((await children(resumed, '/')).filter((n) => /^k\d+$/.test(n)).length, 20);
      assert.equal((await resumed.getData('/owned')).data?.toString(), 'e');
      assert.deepEqual(
        states.filter((s) => s !== 'connected'),
        [],
        'the client on server 1 stayed connected',
      );

      // 5. The directory is server 1's: starting it as another id is refused.
      for (const s of servers) if (s.proc !== null) await stopServer(s.proc);
      const wrongId = { ...one, id: 2, logFile: join(root, 'wrong.log') };
      start(wrongId, [wrongId], {});
      const exit = await wrongId.proc?.exited;
      assert.notEqual(exit?.code, 0);
      assert.match(logTail(wrongId.logFile), /holds the Raft state of server 1/);
    } catch (error) {
      printLogTails(servers);
      throw error;
    } finally {
      await cleanUp(servers, clients, root);
    }
  });
});
