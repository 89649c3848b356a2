/**
 * The client's `sasl` option (DIGEST-MD5 on the client port) against Apache ZooKeeper, which
 * proves the client speaks the Java server's exchange, and against Warren, each configured the
 * same way (a JAAS Server section, authProvider.1=SASLAuthenticationProvider): the login and
 * its `sasl` identity, a node only alice may read, a wrong password or an unknown user ending
 * the session as authFailed, and a second login on every new connection before any request.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuthFailedError,
  createClient,
  NoAuthError,
  Perm,
  type ZooKeeperClient,
} from '../../src/client/index.js';
import type { RunningServer } from '../support/server-process.js';
import { startTarget, targetSkipReason, TARGETS } from '../support/targets.js';
import { TcpProxy } from './tcp-proxy.js';
import { waitFor } from './support.js';

const ALICE = { username: 'alice', password: 'alice-secret' };

function writeJaas(dir: string): string {
  const path = join(dir, 'jaas.conf');
  writeFileSync(
    path,
    'Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n' +
      `  user_alice="${ALICE.password}"\n  user_bob="bob-secret";\n};\n`,
  );
  return path;
}

const saslIds = async (client: ZooKeeperClient): Promise<string[]> =>
  (await client.whoAmI()).filter((c) => c.authScheme === 'sasl').map((c) => c.user);

for (const target of TARGETS) {
  describe(`client SASL (DIGEST-MD5) against ${target}`, { skip: targetSkipReason(target) }, () => {
    let server: RunningServer;
    let dir: string;
    const clients: ZooKeeperClient[] = [];
    const open = async (sasl?: typeof ALICE, connectString?: string) => {
      const client = createClient(connectString ?? `${server.host}:${server.port}`, {
        sessionTimeoutMs: 10_000,
        sasl,
      });
      clients.push(client);
      return client.connect();
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'warren-client-sasl-'));
      server = await startTarget(target, { jaasConfig: writeJaas(dir) });
    });
    after(async () => {
      for (const client of clients) await client.close().catch(() => undefined);
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('logs in, carries the sasl identity, and reads what only alice may read', async () => {
      const alice = await open(ALICE);
      assert.deepEqual(await saslIds(alice), ['alice']);
      const acl = [{ perms: Perm.all, id: { scheme: 'sasl', id: 'alice' } }];
      await alice.create('/sasl-private', { data: 'hers', acl });
      assert.equal((await alice.getData('/sasl-private')).data?.toString(), 'hers');
      const stranger = await open();
      assert.deepEqual(await saslIds(stranger), []);
      await assert.rejects(stranger.getData('/sasl-private'), NoAuthError);
      const bob = await open({ username: 'bob', password: 'bob-secret' });
      assert.deepEqual(await saslIds(bob), ['bob']);
      await assert.rejects(bob.getData('/sasl-private'), NoAuthError);
    });

    it('ends the session as authFailed on a wrong password or an unknown user', async () => {
      for (const sasl of [
        { username: 'alice', password: 'not-hers' },
        { username: 'mallory', password: 'anything' },
      ]) {
        const client = createClient(`${server.host}:${server.port}`, {
          sessionTimeoutMs: 10_000,
          sasl,
        });
        clients.push(client);
        const states: string[] = [];
        client.on('state', (state) => states.push(state));
        await assert.rejects(client.connect(), (error: unknown) => {
          assert.ok(error instanceof AuthFailedError, String(error));
          assert.match(error.message, /SASL/);
          return true;
        });
        assert.ok(states.includes('authFailed'), `states: ${states.join(', ')}`);
        await assert.rejects(client.exists('/'), AuthFailedError);
      }
    });

    it('logs in again on a new connection before any other request', async () => {
      const proxy = await TcpProxy.start(server.port);
      try {
        const alice = await open(ALICE, proxy.connectString);
        const acl = [{ perms: Perm.all, id: { scheme: 'sasl', id: 'alice' } }];
        await alice.create('/sasl-again', { data: 'v1', acl });
        let disconnected = false;
        let reconnected = false;
        alice.on('disconnected', () => {
          disconnected = true;
          alice.once('connected', () => (reconnected = true));
        });
        proxy.cut();
        await waitFor(() => disconnected, 'the disconnection');
        // Queued while disconnected: sent only after the new connection's login, so the
        // ACL check sees alice (it would fail with NoAuth if it went out first).
        const read = alice.getData('/sasl-again');
        await waitFor(() => reconnected, 'the reconnection');
        assert.equal((await read).data?.toString(), 'v1');
        assert.deepEqual(await saslIds(alice), ['alice']);
      } finally {
        await proxy.stop();
      }
    });
  });
}
