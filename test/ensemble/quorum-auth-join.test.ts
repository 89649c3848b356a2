/**
 * With quorum SASL on, a server holding the wrong secret cannot join; with quorum TLS on, a
 * server whose certificate comes from another CA cannot. Started with `warren.join=true`, its
 * `reconfig -add` is refused (NewConfigNoQuorum: the leader never gets an authenticated link to
 * it), the configuration is unchanged, and the ensemble keeps serving. The same server with
 * the right secret or certificate then joins and serves the whole tree.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { logTail, makeOwnedDir, sleep, stopServer } from '../support/server-process.js';
import { makeTestPki, opensslMissing, TEST_STORE_PASSWORD } from '../support/test-certificates.js';
import {
  children,
  connectedEventually,
  listening,
  line,
  planServers,
  start,
  SUPER_PASSWORD,
  type Server,
  cleanUp,
  printLogTails,
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

/** One way of authenticating members: the settings that let a joiner in and those that do not. */
interface QuorumAuthMode {
  name: string;
  skip?: string;
  /** Settings for the founders and the admitted joiner, then for the refused joiner. */
  settings(root: string): { good: Record<string, string>; bad: Record<string, string> };
  /** What a founder logs when it refuses the joiner. */
  refusal: RegExp;
}

const MODES: readonly QuorumAuthMode[] = [
  {
    name: 'quorum SASL (a wrong secret)',
    settings: (root) => ({
      good: sasl(jaas(join(root, 'good.jaas'), 'the-ensemble-secret')),
      bad: sasl(jaas(join(root, 'bad.jaas'), 'a-guess')),
    }),
    refusal: /failed to prove the quorum secret|did not answer the quorum challenge/,
  },
  {
    name: 'quorum TLS (a certificate from another CA)',
    skip: opensslMissing(),
    settings: (root) => {
      mkdirSync(join(root, 'pki'));
      const pki = makeTestPki(join(root, 'pki'), ['member']);
      const tls = (keyStore: string): Record<string, string> => ({
        sslQuorum: 'true',
        'ssl.quorum.keyStore.location': keyStore,
        'ssl.quorum.keyStore.password': TEST_STORE_PASSWORD,
        'ssl.quorum.trustStore.location': pki.caPath,
      });
      return { good: tls(pki.leaf('member').p12Path), bad: tls(pki.stranger.p12Path) };
    },
    refusal: /peer TLS handshake failed/,
  },
];

for (const mode of MODES) {
  describe(`joining an ensemble with ${mode.name}`, { timeout: 180_000, skip: mode.skip }, () => {
    it('refuses the server, then admits it with the right credentials', async () => {
      await refusedThenAdmitted(mode);
    });
  });
}

async function refusedThenAdmitted(mode: QuorumAuthMode): Promise<void> {
  const root = makeOwnedDir('warren-auth-join-');
  const servers = await planServers(root, 4);
  const [one, two, three, four] = servers as [Server, Server, Server, Server];
  const founders = [one, two, three];
  const { good, bad } = mode.settings(root);
  const clients: ZooKeeperClient[] = [];
  try {
    for (const s of founders) start(s, founders, good);
    const admin = await connectedEventually(one);
    clients.push(admin);
    await admin.addAuth('digest', `super:${SUPER_PASSWORD}`);
    await admin.create('/before', { data: 'b' });

    start(four, servers, { ...bad, 'warren.join': 'true' });
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
    await waitForLine(founders, mode.refusal);

    // The same server with the right secret joins.
    if (four.proc !== null) await stopServer(four.proc);
    start(four, servers, { ...good, 'warren.join': 'true' });
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
    printLogTails(servers);
    throw error;
  } finally {
    await cleanUp(servers, clients, root);
  }
}
