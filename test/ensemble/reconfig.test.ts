/**
 * Dynamic reconfiguration on a live ensemble, through the client's reconfig (ZooKeeper's
 * incremental form): refusals first (no permission, stale config version, malformed lines),
 * then a server started with warren.join is added as a participant, catches up and serves,
 * and the leader itself is removed; writes go on and /zookeeper/config says what happened.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  BadArgumentsError,
  BadVersionError,
  NoAuthError,
  type ZooKeeperClient,
} from '../../src/client/index.js';
import { sleep } from '../support/server-process.js';
import { clientOn, closeAll, sharedEnsemble, SUITE_TIMEOUT_MS } from './support/harness.js';

const SUPER_PASSWORD = 'reconfig-test';
const digest = createHash('sha1').update(`super:${SUPER_PASSWORD}`).digest('base64');

/** Retries a write through a leader change (its outcome may be unknown: idempotent here). */
async function writeThrough(client: ZooKeeperClient, path: string, data: string) {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.create(path, { data });
      return;
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'NodeExistsError') return;
      if (attempt >= 50) throw error;
      await sleep(100);
    }
  }
}

describe('reconfig on a live ensemble', { timeout: SUITE_TIMEOUT_MS }, () => {
  const ensemble = sharedEnsemble({
    size: 3,
    joiners: 1,
    config: {
      reconfigEnabled: 'true',
      'DigestAuthenticationProvider.superDigest': `super:${digest}`,
    },
  });

  it('refuses without WRITE on /zookeeper/config, on a stale version, and malformed', async () => {
    const ens = ensemble();
    const client = await clientOn(ens, 1);
    try {
      // The first leader writes zoo.cfg's servers into /zookeeper/config as it starts.
      let text = '';
      for (let i = 0; i < 50 && text === ''; i++) {
        await client.sync('/zookeeper/config');
        text = (await client.getData('/zookeeper/config')).data?.toString() ?? '';
        if (text === '') await sleep(50);
      }
      assert.match(text, /^server\.1=.*:participant;/m);
      assert.match(text, /^version=[0-9a-f]+$/m);
      await assert.rejects(client.reconfig({ leavingServers: '3' }), NoAuthError);
      await client.addAuth('digest', `super:${SUPER_PASSWORD}`);
      await assert.rejects(
        client.reconfig({ leavingServers: '3', fromConfig: 0x7fffffff }),
        BadVersionError,
      );
      await assert.rejects(
        client.reconfig({ joiningServers: 'server.9=no-ports-here' }),
        BadArgumentsError,
      );
      assert.equal((await client.getData('/zookeeper/config')).data?.toString(), text);
    } finally {
      await client.close();
    }
  });

  it('adds a joining server, then removes the leader, losing no write', async () => {
    const ens = ensemble();
    const clients: ZooKeeperClient[] = [];
    try {
      const admin = await clientOn(ens, 1);
      clients.push(admin);
      await admin.addAuth('digest', `super:${SUPER_PASSWORD}`);
      await admin.create('/before', { data: 'b' });
      const joiner = ens.server(4);
      ens.start(4);
      const line =
        `server.4=${joiner.host}:${joiner.peerPort}:${joiner.electionPort}:participant;` +
        `${joiner.clientPort}`;
      const added = await admin.reconfig({ joiningServers: line });
      assert.match(added.config, /^server\.4=.*:participant;/m);
      await ens.ready();
      const onJoiner = await clientOn(ens, 4, { only: true });
      clients.push(onJoiner);
      await onJoiner.sync('/');
      assert.equal((await onJoiner.getData('/before')).data?.toString(), 'b');
      const joinerStatus = await ens.status(4);
      assert.equal(joinerStatus.get('server_state'), 'follower');

      const leader = await ens.leader();
      const removed = await admin.reconfig({ leavingServers: String(leader.id) });
      assert.doesNotMatch(removed.config, new RegExp(`^server\\.${leader.id}=`, 'm'));
      // The old leader handed over; the remaining three elect among themselves.
      const deadline = Date.now() + 20_000;
      let next = await ens.leader();
      while (next.id === leader.id && Date.now() < deadline) {
        await sleep(100);
        next = await ens.leader();
      }
      assert.notEqual(next.id, leader.id, 'a server that stayed leads now');
      await writeThrough(admin, '/after', 'a');
      await onJoiner.sync('/');
      assert.equal((await onJoiner.getData('/after')).data?.toString(), 'a');
      const leaderStatus = await ens.status(next.id);
      assert.equal(leaderStatus.get(`peer_${leader.id}_lag`), undefined, 'no longer a member');
    } finally {
      await closeAll(clients);
    }
  });
});
