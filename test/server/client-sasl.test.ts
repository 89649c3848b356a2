/**
 * SASL on the client port on a real server, configured as ZooKeeper's is (a JAAS Server
 * section of DigestLoginModule users, authProvider.1=SASLAuthenticationProvider,
 * zookeeper.superUser), driven by a minimal client that speaks the sasl packets (RawClient)
 * and computes its digest-response apart from the server (test/support/sasl-digest-client.ts):
 * the two-step exchange and rspauth, the `sasl` id (whoAmI, audit), a `sasl:alice:cdrwa` node
 * readable by alice and the super user only, failures answered AuthFailed and closed, and
 * zookeeper.sessionRequireClientSASLAuth closing sessions that do not authenticate.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Err } from '../../src/protocol/error-codes.js';
import { OpCode, Perm } from '../../src/protocol/opcodes.js';
import type { Response } from '../../src/protocol/responses.js';
import { RawClient, type RawReply } from '../support/raw-client.js';
import { digestResponse } from '../support/sasl-digest-client.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

const SASL_PROVIDER = 'org.apache.zookeeper.server.auth.SASLAuthenticationProvider';
const PASSWORDS: Record<string, string> = { alice: 'alice-pw', bob: 'bob-pw', admin: 'admin-pw' };

function writeJaas(dir: string): string {
  const users = Object.entries(PASSWORDS)
    .map(([user, password]) => `  user_${user}="${password}"`)
    .join('\n');
  const path = join(dir, 'jaas.conf');
  writeFileSync(
    path,
    `Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n${users};\n};\n`,
  );
  return path;
}

const saslToken = (reply: RawReply): Buffer => {
  const response = reply.response as Extract<Response, { kind: 'sasl' }> | null;
  assert.equal(response?.kind, 'sasl');
  return response?.token ?? Buffer.alloc(0);
};

/** Connects and runs the exchange; resolves with the client and the final reply. */
async function saslConnect(
  server: RunningServer,
  user: string,
  password = PASSWORDS[user] ?? '',
): Promise<{ client: RawClient; reply: RawReply }> {
  const client = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
  const first = await client.request({ type: OpCode.sasl, token: Buffer.alloc(0) });
  assert.equal(first.header.err, Err.ok);
  const challenge = saslToken(first);
  assert.match(challenge.toString(), /^realm="zk-sasl-md5",nonce="[^"]{16,}",qop="auth"/);
  const { token, rspauth } = digestResponse(challenge, { username: user, password, cnonce: 'c' });
  const reply = await client.request({ type: OpCode.sasl, token });
  if (reply.header.err === Err.ok) assert.equal(saslToken(reply).toString(), rspauth);
  return { client, reply };
}

const getData = (client: RawClient, path: string) =>
  client.request({ type: OpCode.getData, path, watch: false });

describe('SASL on the client port (DIGEST-MD5)', () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warren-sasl-'));
    server = await startWarren({
      config: {
        'java.security.auth.login.config': writeJaas(dir),
        'authProvider.1': SASL_PROVIDER,
        'zookeeper.superUser': 'admin',
        'audit.enable': 'true',
        'warren.audit.file': join(dir, 'audit.log'),
      },
    });
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('authenticates alice; sasl:alice:cdrwa is hers (and the super user`s) only', async () => {
    const { client: alice, reply } = await saslConnect(server, 'alice');
    assert.equal(reply.header.err, Err.ok);
    const who = await alice.request({ type: OpCode.whoAmI });
    const clients = (who.response as Extract<Response, { kind: 'whoAmI' }>).clients;
    assert.deepEqual(clients.at(-1), { authScheme: 'sasl', user: 'alice' });
    const acl = [{ perms: Perm.all, id: { scheme: 'sasl', id: 'alice' } }];
    const made = await alice.request({
      type: OpCode.create,
      path: '/alice',
      data: Buffer.from('hers'),
      acl,
      flags: 0,
      ttl: -1,
    });
    assert.equal(made.header.err, Err.ok);
    assert.equal((await getData(alice, '/alice')).header.err, Err.ok);
    const { client: bob } = await saslConnect(server, 'bob');
    assert.equal((await getData(bob, '/alice')).header.err, Err.noAuth);
    const anonymous = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
    assert.equal((await getData(anonymous, '/alice')).header.err, Err.noAuth);
    const { client: admin } = await saslConnect(server, 'admin');
    assert.equal((await getData(admin, '/alice')).header.err, Err.ok);
    for (const client of [alice, bob, anonymous, admin]) await client.close();
    const audit = readFileSync(join(dir, 'audit.log'), 'utf8');
    assert.match(
      audit,
      /user=127\.0\.0\.1,alice\tip=127\.0\.0\.1\toperation=create\tznode=\/alice/,
    );
    assert.match(audit, /operation=addAuth\tscheme=sasl\tresult=success/);
  });

  it('answers a wrong password AuthFailed and closes the connection', async () => {
    const { client, reply } = await saslConnect(server, 'alice', 'guess');
    assert.equal(reply.header.err, Err.authFailed);
    await client.closed;
    // The audit log is appended asynchronously: wait for the line rather than race it.
    const audit = join(dir, 'audit.log');
    for (
      let i = 0;
      i < 50 && !/scheme=sasl\tresult=failure/.test(readFileSync(audit, 'utf8'));
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(readFileSync(audit, 'utf8'), /scheme=sasl\tresult=failure/);
  });

  it('answers a GSSAPI (Kerberos) first token AuthFailed and closes', async () => {
    const client = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
    const token = Buffer.from([0x60, 0x82, 0x02, 0x10, 0x06, 0x09, 0x2a, 0x86, 0x48]);
    const reply = await client.request({ type: OpCode.sasl, token });
    assert.equal(reply.header.err, Err.authFailed);
    await client.closed;
  });
});

describe('zookeeper.sessionRequireClientSASLAuth', () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warren-sasl-required-'));
    server = await startWarren({
      config: {
        'java.security.auth.login.config': writeJaas(dir),
        'authProvider.1': SASL_PROVIDER,
        'zookeeper.sessionRequireClientSASLAuth': 'true',
      },
    });
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('closes sessions that do not authenticate; serves those that did', async () => {
    const anonymous = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
    const refused = await getData(anonymous, '/');
    assert.equal(refused.header.err, Err.sessionClosedRequireSaslAuth);
    await anonymous.closed;
    const { client: wrong, reply } = await saslConnect(server, 'bob', 'guess');
    assert.equal(reply.header.err, Err.sessionClosedRequireSaslAuth);
    await wrong.closed;
    const { client } = await saslConnect(server, 'bob');
    assert.equal((await getData(client, '/')).header.err, Err.ok);
    await client.close();
  });
});
