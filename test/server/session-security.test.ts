/**
 * What a stranger who can reach the client port cannot do to other people's sessions and
 * data: knock a session off with a guessed id and a wrong password, guess the next session id,
 * rewrite the ensemble configuration with a plain write (even as super), or read the data
 * files (0600 files in 0700 folders).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Err } from '../../src/protocol/error-codes.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { digestId } from '../support/digest.js';
import { RawClient } from '../support/raw-client.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

const acl = [...OPEN_ACL_UNSAFE];

describe('session and configuration safety', () => {
  let server: RunningServer;
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'warren-sec-'));
    const dataDir = join(root, 'data');
    // A folder left open by an earlier release or a lax umask: it must be tightened.
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    server = await startWarren({
      dataDir,
      keepDataDir: true,
      config: {
        'DigestAuthenticationProvider.superDigest': digestId('super', 'sekrit'),
        snapCount: '20',
      },
    });
  });
  after(async () => {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('a reattach with a wrong password leaves the real connection alone', async () => {
    const owner = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
    const stranger = await RawClient.connect(server.host, server.port, {
      timeoutMs: 10_000,
      sessionId: owner.sessionId,
      passwd: Buffer.alloc(16, 7),
    });
    assert.equal(stranger.timeOut, 0, 'the wrong password is refused');
    assert.equal(stranger.sessionId, 0n);
    await stranger.closed;
    const reply = await owner.request({ type: OpCode.exists, path: '/', watch: false });
    assert.equal(reply.header.err, Err.ok, 'the owner is still connected and served');
    assert.ok(owner.isOpen, 'the owner connection was not closed');
    // The right password moves the session, closing the old connection (as ZooKeeper does).
    const moved = await RawClient.connect(server.host, server.port, {
      timeoutMs: 10_000,
      sessionId: owner.sessionId,
      passwd: owner.passwd,
    });
    assert.equal(moved.sessionId, owner.sessionId);
    await owner.closed;
    moved.destroy();
  });

  it('session ids carry the server id and cannot be predicted from earlier ones', async () => {
    const ids: bigint[] = [];
    for (let i = 0; i < 6; i++) {
      const client = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
      ids.push(client.sessionId);
      await client.close();
    }
    for (const id of ids) assert.equal(id >> 56n, 1n, `0x${id.toString(16)}: server id 1 on top`);
    for (let i = 1; i < ids.length; i++) {
      const gap = (ids[i] as bigint) - (ids[i - 1] as bigint);
      const distance = gap < 0n ? -gap : gap;
      // Sequential ids differ by 1; random 56-bit ids this close would be a 1-in-2^31 chance.
      assert.ok(distance > 1n << 24n, `ids ${ids[i - 1]} then ${ids[i]} are guessable`);
    }
  });

  it('/zookeeper/config cannot be written except by reconfig, not even by super', async () => {
    const client = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
    const plain = await client.request({
      type: OpCode.setData,
      path: '/zookeeper/config',
      data: Buffer.from('server.9=evil:1:2'),
      version: -1,
    });
    assert.equal(plain.header.err, Err.noAuth);
    await client.request({
      type: OpCode.auth,
      scheme: 'digest',
      auth: Buffer.from('super:sekrit'),
    });
    const asSuper = await client.request({
      type: OpCode.setData,
      path: '/zookeeper/config',
      data: Buffer.from('server.9=evil:1:2'),
      version: -1,
    });
    assert.equal(asSuper.header.err, Err.noAuth, 'super cannot bypass reconfig either');
    const openIt = await client.request({
      type: OpCode.setACL,
      path: '/zookeeper/config',
      acl,
      version: -1,
    });
    assert.equal(openIt.header.err, Err.noAuth, 'nor open the node to everyone');
    const child = await client.request({
      type: OpCode.create,
      path: '/zookeeper/config/x',
      data: null,
      acl,
      flags: 0,
      ttl: -1,
    });
    assert.equal(child.header.err, Err.noAuth);
    const inMulti = await client.request({
      type: OpCode.multi,
      ops: [
        { type: OpCode.setData, path: '/zookeeper/config', data: Buffer.from('x'), version: -1 },
      ],
    });
    const results = inMulti.response?.kind === 'multi' ? inMulti.response.results : [];
    assert.deepEqual(
      results.map((r) => r.err),
      [Err.noAuth],
      'nor inside a multi',
    );
    const read = await client.request({
      type: OpCode.getData,
      path: '/zookeeper/config',
      watch: false,
    });
    assert.equal(read.header.err, Err.ok);
    assert.equal(read.response?.kind === 'data' ? read.response.stat.version : null, 0);
    // Super can still write elsewhere: the refusal is about this node only.
    const elsewhere = await client.request({
      type: OpCode.create,
      path: '/by-super',
      data: null,
      acl,
      flags: 0,
      ttl: -1,
    });
    assert.equal(elsewhere.header.err, Err.ok);
    await client.close();
  });

  it('data files are 0600 and folders 0700', async () => {
    const client = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
    // Enough writes for a snapshot (snapCount=20) and a log segment.
    for (let i = 0; i < 60; i++) {
      await client.request({
        type: OpCode.create,
        path: `/f${i}`,
        data: null,
        acl,
        flags: 0,
        ttl: -1,
      });
    }
    await client.close();
    const seen: string[] = [];
    const walk = (dir: string): void => {
      const mode = statSync(dir).mode & 0o777;
      assert.equal(mode, 0o700, `${dir} is ${mode.toString(8)}`);
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else {
          seen.push(entry.name);
          const fileMode = statSync(path).mode & 0o777;
          assert.equal(fileMode, 0o600, `${path} is ${fileMode.toString(8)}`);
        }
      }
    };
    walk(server.dataDir);
    assert.ok(
      seen.some((name) => name.startsWith('log.')),
      `a log segment among ${seen.join(', ')}`,
    );
    assert.ok(
      seen.some((name) => name.startsWith('snapshot.')),
      `a snapshot among ${seen.join(', ')}`,
    );
  });
});
