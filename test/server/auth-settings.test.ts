/**
 * Security settings a ZooKeeper operator writes in zoo.cfg, honoured on a real server:
 * the audit log (`audit.enable`) records every write and authentication attempt in
 * ZooKeeper's format; `enforce.auth.enabled` closes a session that asks for anything before
 * authenticating with an enforced scheme; `DigestAuthenticationProvider.enabled=false`
 * refuses the digest scheme.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Err } from '../../src/protocol/error-codes.js';
import { CreateFlag, OpCode } from '../../src/protocol/opcodes.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { RawClient } from '../support/raw-client.js';
import { sleep } from '../support/server-process.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

const acl = [...OPEN_ACL_UNSAFE];
const create = (path: string, flags: number = CreateFlag.persistent) =>
  ({ type: OpCode.create, path, data: null, acl, flags, ttl: -1 }) as const;

describe('audit.enable', () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warren-audit-'));
    server = await startWarren({
      config: { 'audit.enable': 'true', 'warren.audit.file': join(dir, 'audit.log') },
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one line per write and per authentication attempt, in ZooKeeper format', async () => {
    const client = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
    const session = `0x${client.sessionId.toString(16)}`;
    await client.request({ type: OpCode.auth, scheme: 'digest', auth: Buffer.from('alice:pw') });
    assert.equal((await client.request(create('/a'))).header.err, Err.ok);
    assert.equal((await client.request(create('/a'))).header.err, Err.nodeExists);
    await client.request({ type: OpCode.setData, path: '/a', data: Buffer.from('x'), version: -1 });
    await client.request({ type: OpCode.setACL, path: '/a', acl, version: -1 });
    await client.request({
      type: OpCode.multi,
      ops: [
        create('/a/s-', CreateFlag.persistentSequential),
        { type: OpCode.delete, path: '/a/nope', version: -1 },
      ],
    });
    await client.request({ type: OpCode.getData, path: '/a', watch: false }); // reads: no line
    await client.close();
    const stranger = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
    await stranger
      .request({ type: OpCode.auth, scheme: 'kerberos', auth: Buffer.from('x') })
      .catch(() => null);
    await server.stop();
    const path = join(dir, 'audit.log');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    const fields = lines.map((line) => line.split('\t').slice(1).join('\t'));
    const who = `session=${session}\tuser=127.0.0.1,alice\tip=127.0.0.1`;
    assert.deepEqual(
      fields.filter((l) => l.includes(session)),
      [
        `session=${session}\tuser=127.0.0.1\tip=127.0.0.1\toperation=addAuth\tscheme=digest` +
          '\tresult=success',
        `${who}\toperation=create\tznode=/a\tznode_type=persistent\tresult=success`,
        `${who}\toperation=create\tznode=/a\tznode_type=persistent\tresult=failure`,
        `${who}\toperation=setData\tznode=/a\tresult=success`,
        `${who}\toperation=setAcl\tznode=/a\tacl=world:anyone:cdrwa\tresult=success`,
        `${who}\toperation=multiOperation\tresult=failure`,
        // closeSession is not a ZooKeeper audit operation
      ],
    );
    assert.ok(
      fields.some((l) => /operation=addAuth\tscheme=kerberos\tresult=failure$/.test(l)),
      'a failed authentication is recorded',
    );
    assert.match(fields[0] ?? '', /operation=serverStart\tresult=success$/);
    assert.match(fields[fields.length - 1] ?? '', /operation=serverStop\tresult=invoked$/);
    for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT[\d:.]+Z\t/);
  });
});

describe('enforce.auth.enabled', () => {
  let server: RunningServer;
  before(async () => {
    server = await startWarren({
      config: { 'enforce.auth.enabled': 'true', 'enforce.auth.schemes': 'digest' },
    });
  });
  after(async () => {
    await server?.stop();
  });

  it('closes a session that asks before authenticating; serves one that authenticated', async () => {
    const anonymous = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
    const refused = await anonymous.request({ type: OpCode.getData, path: '/', watch: false });
    assert.equal(refused.header.err, Err.sessionClosedRequireSaslAuth);
    await anonymous.closed;
    const known = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
    const auth = known.request({
      type: OpCode.auth,
      scheme: 'digest',
      auth: Buffer.from('bob:pw'),
    });
    // Pipelined right behind the auth: it is checked in order, after the auth.
    const read = known.request({ type: OpCode.exists, path: '/', watch: false });
    assert.equal((await auth).header.err, Err.ok);
    assert.equal((await read).header.err, Err.ok);
    await known.close();
  });
});

describe('DigestAuthenticationProvider.enabled=false', () => {
  let server: RunningServer;
  before(async () => {
    server = await startWarren({ config: { 'DigestAuthenticationProvider.enabled': 'false' } });
  });
  after(async () => {
    await server?.stop();
  });

  it('refuses the digest scheme', async () => {
    const client = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
    const reply = await client
      .request({ type: OpCode.auth, scheme: 'digest', auth: Buffer.from('bob:pw') })
      .catch(() => null);
    assert.equal(reply?.header.err ?? Err.authFailed, Err.authFailed);
    await Promise.race([client.closed, sleep(5000)]);
    assert.ok(!client.isOpen, 'the connection is closed after a failed authentication');
  });
});
