/**
 * With quorum SASL on, a server holding the wrong secret cannot join: started with
 * `warren.join=true`, its `reconfig -add` is refused (NewConfigNoQuorum: the leader never
 * gets an authenticated link to it), the configuration is unchanged, and the ensemble keeps
 * serving. The same server with the right secret then joins and serves the whole tree.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import {
  logTail,
  makeOwnedDir,
  removeOwnedDir,
  sleep,
  stopServer,
} from '../support/server-process.js';
import {
  children,
  connectedEventually,
  listening,
  line,
  planServers,
  start,
  SUPER_PASSWORD,
  type Server,
} from './support/real-members.js';

function jaas(path: string, password: string): string {
  writeFileSync(
    path,
    'QuorumServer {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n' +
      `  user_warren="${password}";\n};\n` +
      'QuorumLearner {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n' +
      `  username="warren"\n  password="${password}";\n};\n`,
  );
  return path;
}

function sasl(jaasPath: string): Record<string, string> {
  return {
    'quorum.auth.enableSasl': 'true',
    'quorum.auth.learnerRequireSasl': 'true',
    'quorum.auth.serverRequireSasl': 'true',
    'java.security.auth.login.config': jaasPath,
  };
}

/** Waits (logs are written as they happen, but the refusal may come a moment later). */
async function waitForLine(servers: readonly Server[], line: RegExp): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (servers.some((s) => line.test(logTail(s.logFile, 400)))) return;
    await sleep(100);
  }
  assert.fail(`no founder logged ${String(line)}`);
}

describe('joining an ensemble with quorum SASL', { timeout: 180_000 }, () => {
  it('refuses a server with the wrong secret, admits it with the right one', async () => {
    const root = makeOwnedDir('warren-sasl-join-');
    const servers = await planServers(root, 4);
    const [one, two, three, four] = servers as [Server, Server, Server, Server];
    const founders = [one, two, three];
    const good = jaas(join(root, 'good.jaas'), 'the-ensemble-secret');
    const bad = jaas(join(root, 'bad.jaas'), 'a-guess');
    const clients: ZooKeeperClient[] = [];
    try {
      for (const s of founders) start(s, founders, sasl(good));
      const admin = await connectedEventually(one);
      clients.push(admin);
      await admin.addAuth('digest', `super:${SUPER_PASSWORD}`);
      await admin.create('/before', { data: 'b' });

      start(four, servers, { ...sasl(bad), 'warren.join': 'true' });
      // On a loaded machine a process may take seconds to listen; the reconfig waits only
      // initLimit × tickTime for the joiner, so let it be up first.
      await listening(four.peerPort);
      await assert.rejects(
        admin.reconfig({ joiningServers: line(four) }),
        (error: Error) => /NewConfigNoQuorum|new config/i.test(`${error.name} ${error.message}`),
        'the add is refused',
      );
      const { data } = await admin.getData('/zookeeper/config');
      assert.doesNotMatch(data?.toString() ?? '', /^server\.4=/m, 'the configuration is unchanged');
      await admin.create('/after-refusal', { data: 'a' });
      await waitForLine(
        founders,
        /failed to prove the quorum secret|did not answer the quorum challenge/,
      );

      // The same server with the right secret joins.
      if (four.proc !== null) await stopServer(four.proc);
      start(four, servers, { ...sasl(good), 'warren.join': 'true' });
      const added = await admin.reconfig({ joiningServers: line(four) });
      assert.match(added.config, /^server\.4=/m);
      const there = await connectedEventually(four);
      clients.push(there);
      await there.sync('/');
      assert.deepEqual(
        (await children(there, '/')).filter((n) => n !== 'zookeeper'),
        ['after-refusal', 'before'],
      );
    } catch (error) {
      for (const s of servers) console.log(`--- server ${s.id}\n${logTail(s.logFile, 30)}`);
      throw error;
    } finally {
      for (const client of clients) await client.close().catch(() => undefined);
      for (const s of servers) if (s.proc !== null) await stopServer(s.proc);
      await sleep(10);
      removeOwnedDir(root);
    }
  });
});
