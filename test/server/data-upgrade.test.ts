/**
 * Data directories written by Warren 0.1.0 (test/fixtures/data-0.1.0, made by that release)
 * keep working. A standalone directory is converted on first start: a progress line, every
 * znode, ACL, container, sequence counter and the live session with its ephemeral kept, zxids
 * going on from where they were, and the old files kept aside; a second start does not
 * convert again. An ensemble's three directories (the Raft layout, unchanged) start as they
 * are and serve their data.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Err } from '../../src/protocol/error-codes.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { RawClient } from '../support/raw-client.js';
import { sleep } from '../support/server-process.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/data-0.1.0/', import.meta.url));

interface SessionFacts {
  sessionId: string;
  passwd: string;
  lastZxid: number;
}

function fixture(name: string): { session: SessionFacts } & Record<string, unknown> {
  return JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as { session: SessionFacts };
}

async function getData(client: RawClient, path: string) {
  const reply = await client.request({ type: 4, path, watch: false });
  const response = reply.response;
  const data = response?.kind === 'data' ? (response.data?.toString() ?? null) : null;
  const version = response?.kind === 'data' ? response.stat.version : -1;
  return { err: reply.header.err, data, version };
}

async function children(client: RawClient, path: string): Promise<string[]> {
  const reply = await client.request({ type: 8, path, watch: false });
  return reply.response?.kind === 'children' ? [...reply.response.children].sort() : [];
}

/** Everything the 0.1.0 writer put in (see the fixture's README). */
async function checkTree(client: RawClient): Promise<void> {
  assert.deepEqual(await getData(client, '/app'), { err: Err.ok, data: 'v2', version: 1 });
  assert.deepEqual(await children(client, '/app'), ['seq-0000000000', 'seq-0000000001']);
  assert.equal((await getData(client, '/secret')).err, Err.noAuth, 'the digest ACL holds');
  assert.deepEqual(await children(client, '/box'), ['item']);
  const names = (await children(client, '/')).filter((n) => /^n\d+$/.test(n));
  assert.equal(names.length, 39, '/n1../n39 (n0 was deleted)');
  assert.deepEqual(await getData(client, '/n39'), { err: Err.ok, data: 'after-39', version: 0 });
  // The sequence counter goes on.
  const seq = await client.request({
    type: 1,
    path: '/app/seq-',
    data: null,
    acl: [...OPEN_ACL_UNSAFE],
    flags: 2,
    ttl: -1,
  });
  assert.equal(seq.response?.kind === 'path' ? seq.response.path : '', '/app/seq-0000000002');
}

/** The session that was alive when 0.1.0 stopped re-attaches; its ephemeral is there. */
async function checkSession(host: string, port: number, facts: SessionFacts): Promise<void> {
  const session = await RawClient.connect(host, port, {
    timeoutMs: 30000,
    sessionId: BigInt(facts.sessionId),
    passwd: Buffer.from(facts.passwd, 'hex'),
    lastZxidSeen: facts.lastZxid,
  });
  try {
    assert.ok(session.timeOut > 0, 'the session is still valid');
    const reply = await session.request({ type: 4, path: '/eph', watch: false });
    assert.equal(reply.header.err, Err.ok);
    const owner = reply.response?.kind === 'data' ? reply.response.stat.ephemeralOwner : 0n;
    assert.equal(owner, BigInt(facts.sessionId));
  } finally {
    await session.close();
  }
}

/**
 * The fixture's ports are fixed (its /zookeeper/config names them) and lie in the kernel's
 * ephemeral range, so another test's outgoing connection may hold one for a moment: a start
 * that lost such a race is stopped and tried again (a member that got as far as converting
 * its directory left it converted, which the next start takes as it is).
 */
async function startOnFixedPorts(
  root: string,
  clientPorts: readonly number[],
  lines: readonly [string, string][],
): Promise<RunningServer[]> {
  const attemptsMax = 5;
  for (let attempt = 1; ; attempt++) {
    const starts = [1, 2, 3].map((id) => {
      const config: Record<string, string> = Object.fromEntries([['tickTime', '500'], ...lines]);
      const dataDir = join(root, `server${id}`);
      return startWarren({ dataDir, port: clientPorts[id - 1], config, keepDataDir: true });
    });
    const settled = await Promise.allSettled(starts);
    const started = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failure = settled.find((r) => r.status === 'rejected');
    if (failure === undefined) return started;
    await Promise.all(started.map((s) => s.stop()));
    const reason = String(failure.reason);
    if (attempt >= attemptsMax || !/EADDRINUSE/.test(reason)) throw failure.reason;
    await sleep(500);
  }
}

describe('data directories of Warren 0.1.0', () => {
  it('converts a standalone directory once, keeping every znode and the live session', async () => {
    const root = mkdtempSync(join(tmpdir(), 'warren-upgrade-'));
    const dataDir = join(root, 'data');
    cpSync(join(fixtures, 'standalone'), dataDir, { recursive: true });
    const { session } = fixture('standalone.json');
    let server: RunningServer | null = null;
    try {
      server = await startWarren({ dataDir, keepDataDir: true });
      const log = readFileSync(server.logFile, 'utf8');
      assert.match(log, /converting a Warren 0\.1\.0 standalone data directory/);
      assert.match(log, /converted; the old files are kept aside/);
      assert.ok(existsSync(join(dataDir, 'warren-0.1.0-standalone', 'log')), 'old log kept');
      assert.ok(!existsSync(join(dataDir, 'log')), 'old log moved');
      await checkSession(server.host, server.port, session);
      const client = await RawClient.connect(server.host, server.port, { timeoutMs: 30000 });
      await checkTree(client);
      assert.ok(client.lastZxid > session.lastZxid, 'zxids go on after the old ones');
      await client.close();
      await server.stop();
      server = await startWarren({ dataDir, port: server.port, keepDataDir: true });
      const second = readFileSync(server.logFile, 'utf8');
      assert.doesNotMatch(second, /converting a Warren/, 'the second start does not convert');
      const again = await RawClient.connect(server.host, server.port, { timeoutMs: 30000 });
      assert.deepEqual(await children(again, '/app'), [
        'seq-0000000000',
        'seq-0000000001',
        'seq-0000000002',
      ]);
      await again.close();
    } finally {
      await server?.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('starts an ensemble from its three 0.1.0 directories as they are', async () => {
    const root = mkdtempSync(join(tmpdir(), 'warren-upgrade-ens-'));
    const { session, clientPorts } = fixture('ensemble.json') as unknown as {
      session: SessionFacts;
      clientPorts: number[];
    };
    // /zookeeper/config records the ports the fixture was written with; they must be free.
    const lines: [string, string][] = [1, 2, 3].map((n) => [
      `server.${n}`,
      `127.0.0.1:${47310 + n}:${47315 + n};${47320 + n}`,
    ]);
    const servers: RunningServer[] = [];
    try {
      for (const id of [1, 2, 3]) {
        cpSync(join(fixtures, 'ensemble', `server${id}`), join(root, `server${id}`), {
          recursive: true,
        });
      }
      servers.push(...(await startOnFixedPorts(root, clientPorts, lines)));
      for (const server of servers) {
        const client = await RawClient.connect(server.host, server.port, { timeoutMs: 30000 });
        assert.deepEqual(await getData(client, '/app'), { err: Err.ok, data: 'v2', version: 1 });
        assert.equal((await children(client, '/')).filter((n) => /^n\d+$/.test(n)).length, 39);
        await client.close();
      }
      await checkSession(servers[0]?.host ?? '', clientPorts[0] ?? 0, session);
      const writer = await RawClient.connect('127.0.0.1', clientPorts[1] ?? 0, {
        timeoutMs: 30000,
      });
      const created = await writer.request({
        type: 1,
        path: '/after-upgrade',
        data: null,
        acl: [...OPEN_ACL_UNSAFE],
        flags: 0,
        ttl: -1,
      });
      assert.equal(created.header.err, Err.ok);
      await writer.close();
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      rmSync(root, { recursive: true, force: true });
    }
  });
});
