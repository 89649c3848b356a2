/**
 * Server behaviour on a real process: sessions expire after their timeout and take their
 * ephemerals with them (firing watches), containers and TTL nodes are reaped, and every limit
 * answers the way it should without disturbing anyone else: connections per address, frame
 * size (jute.maxbuffer), watches per session, outstanding requests (backpressure), and bad
 * configuration stops start-up with a message naming the key.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Err } from '../../src/protocol/error-codes.js';
import { EventType } from '../../src/protocol/opcodes.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { fourLetter } from '../support/four-letter.js';
import { RawClient } from '../support/raw-client.js';
import { sleep } from '../support/server-process.js';
import { startWarren, WARREN_MAIN, type RunningServer } from '../support/warren-proc.js';

const acl = [...OPEN_ACL_UNSAFE];

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('sessions, reaping and limits', () => {
  let server: RunningServer;
  before(async () => {
    server = await startWarren({
      config: {
        tickTime: '200',
        'zookeeper.extendedTypesEnabled': 'true',
        'znode.container.checkIntervalMs': '300',
        maxClientCnxns: '20',
        'jute.maxbuffer': '65536',
        'warren.watchesPerSessionMax': '50',
        '4lw.commands.whitelist': '*',
      },
    });
  });
  after(async () => server.stop());

  it('expires a silent session, deletes its ephemerals in one txn and fires watches', async () => {
    const owner = await RawClient.connect(server.host, server.port, { timeoutMs: 400 });
    assert.equal(owner.timeOut, 400);
    await owner.request({ type: 1, path: '/exp', data: null, acl, flags: 0, ttl: -1 });
    await owner.request({ type: 1, path: '/exp/a', data: null, acl, flags: 1, ttl: -1 });
    await owner.request({ type: 1, path: '/exp/b', data: null, acl, flags: 1, ttl: -1 });
    const watcher = await RawClient.connect(server.host, server.port, { timeoutMs: 10000 });
    await watcher.request({ type: 3, path: '/exp/a', watch: true });
    await watcher.request({ type: 8, path: '/exp', watch: true });
    const { sessionId, passwd } = owner;
    owner.destroy(); // no close: the session must expire on its own
    const started = Date.now();
    await waitFor(
      () => watcher.events.filter((e) => e.kind === 'notification').length >= 2,
      5000,
      'expiry',
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 350, `expired after ${elapsed} ms, before its 400 ms timeout`);
    const types = watcher.events.flatMap((e) =>
      e.kind === 'notification' ? [[e.event.type, e.event.path]] : [],
    );
    assert.deepEqual(types, [
      [EventType.nodeDeleted, '/exp/a'],
      [EventType.nodeChildrenChanged, '/exp'],
    ]);
    const kids = await watcher.request({ type: 12, path: '/exp', watch: false });
    assert.deepEqual(kids.response?.kind === 'children2' ? kids.response.children : null, []);
    const stat = kids.response?.kind === 'children2' ? kids.response.stat : null;
    assert.equal(stat?.cversion, 4, 'two creates and two deletes');
    const back = await RawClient.connect(server.host, server.port, {
      timeoutMs: 400,
      sessionId,
      passwd,
    });
    assert.equal(back.timeOut, 0, 'the expired session is refused');
    assert.equal(back.sessionId, 0n);
    watcher.destroy();
  });

  it('reaps empty used containers and expired TTL nodes, not fresh containers', async () => {
    const c = await RawClient.connect(server.host, server.port, { timeoutMs: 10000 });
    await c.request({ type: 19, path: '/cont', data: null, acl, flags: 4, ttl: -1 });
    await c.request({ type: 19, path: '/fresh', data: null, acl, flags: 4, ttl: -1 });
    await c.request({ type: 1, path: '/cont/x', data: null, acl, flags: 0, ttl: -1 });
    await c.request({ type: 21, path: '/ttl', data: null, acl, flags: 5, ttl: 200 });
    await c.request({ type: 3, path: '/cont', watch: true });
    await c.request({ type: 2, path: '/cont/x', version: -1 });
    await waitFor(
      () =>
        c.events.some((e) => e.kind === 'notification' && e.event.type === EventType.nodeDeleted),
      5000,
      'container reaped',
    );
    await sleep(1000);
    assert.equal(
      (await c.request({ type: 3, path: '/cont', watch: false })).header.err,
      Err.noNode,
    );
    assert.equal((await c.request({ type: 3, path: '/ttl', watch: false })).header.err, Err.noNode);
    assert.equal((await c.request({ type: 3, path: '/fresh', watch: false })).header.err, Err.ok);
    await c.close();
  });

  it('caps connections per client address', async () => {
    const clients = await Promise.all(
      Array.from({ length: 20 }, () =>
        RawClient.connect(server.host, server.port, { timeoutMs: 10000 }),
      ),
    );
    await assert.rejects(
      RawClient.connect(server.host, server.port, { timeoutMs: 10000, connectTimeoutMs: 3000 }),
    );
    for (const c of clients) c.destroy();
    await sleep(200);
    const again = await RawClient.connect(server.host, server.port, { timeoutMs: 10000 });
    again.destroy();
  });

  it('closes a connection whose frame exceeds jute.maxbuffer, and only that one', async () => {
    const big = await RawClient.connect(server.host, server.port, { timeoutMs: 10000 });
    const other = await RawClient.connect(server.host, server.port, { timeoutMs: 10000 });
    const failed = big.request({
      type: 1,
      path: '/big',
      data: Buffer.alloc(70000),
      acl,
      flags: 0,
      ttl: -1,
    });
    await assert.rejects(failed);
    await big.closed;
    const ok = await other.request({
      type: 1,
      path: '/small',
      data: Buffer.alloc(60000),
      acl,
      flags: 0,
      ttl: -1,
    });
    assert.equal(ok.header.err, Err.ok);
    await other.close();
  });

  it('refuses watches past the per-session cap with ThrottledOp', async () => {
    const c = await RawClient.connect(server.host, server.port, { timeoutMs: 10000 });
    for (let i = 0; i < 50; i++) {
      assert.equal(
        (await c.request({ type: 3, path: `/w${i}`, watch: true })).header.err,
        Err.noNode,
      );
    }
    assert.equal(
      (await c.request({ type: 3, path: '/w50', watch: true })).header.err,
      Err.throttledOp,
    );
    assert.equal((await c.request({ type: 3, path: '/w50', watch: false })).header.err, Err.noNode);
    await c.close();
  });

  it('applies backpressure to a client that floods requests without reading', async () => {
    const socket = connect({ host: server.host, port: server.port });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const c = await RawClient.connect(server.host, server.port, { timeoutMs: 10000 });
    // A raw flood: a handshake then 200k pings-worth of getData frames, never reading replies.
    const frames: Buffer[] = [];
    const hs = Buffer.alloc(4 + 45);
    hs.writeInt32BE(45, 0);
    hs.writeInt32BE(10000, 16);
    frames.push(hs);
    for (let i = 0; i < 200_000; i++) {
      const f = Buffer.alloc(4 + 8 + 4 + 2 + 1);
      f.writeInt32BE(15, 0);
      f.writeInt32BE(i + 1, 4);
      f.writeInt32BE(4, 8);
      f.writeInt32BE(2, 12);
      f.write('/x', 16);
      frames.push(f);
    }
    socket.pause();
    socket.write(Buffer.concat(frames));
    await sleep(1500);
    // The server keeps serving everyone else meanwhile.
    const t0 = Date.now();
    const r = await c.request({ type: 4, path: '/', watch: false });
    assert.equal(r.header.err, Err.ok);
    assert.ok(Date.now() - t0 < 1000, 'other clients are served promptly');
    const mntr = await fourLetter(server.host, server.port, 'mntr');
    const outstanding = Number(/zk_outstanding_requests\t(\d+)/.exec(mntr)?.[1] ?? 'NaN');
    assert.ok(outstanding <= 2000, `outstanding requests are bounded (${outstanding})`);
    socket.destroy();
    await c.close();
  });
});

describe('configuration errors stop start-up', () => {
  it('names the key and the line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-cfg-'));
    try {
      const cfg = join(dir, 'zoo.cfg');
      writeFileSync(cfg, `dataDir=${dir}\nclientPort=2181\ntickTime=abc\n`);
      const run = spawnSync(process.execPath, [WARREN_MAIN, 'server', '--config', cfg], {
        encoding: 'utf8',
        timeout: 20000,
      });
      assert.equal(run.status, 2);
      assert.match(run.stderr, /line 3: tickTime must be a positive integer/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Starts an ensemble member's config in a fresh dir with `myid` (or none); returns stderr. */
  function ensembleStart(myid: string | null): { status: number | null; stderr: string } {
    const dir = mkdtempSync(join(tmpdir(), 'warren-cfg-'));
    try {
      const cfg = join(dir, 'zoo.cfg');
      const servers = ['server.1=127.0.0.1:1:2', 'server.2=127.0.0.1:3:4'];
      writeFileSync(cfg, [`dataDir=${dir}`, 'clientPort=2181', ...servers, ''].join('\n'));
      if (myid !== null) writeFileSync(join(dir, 'myid'), myid);
      const run = spawnSync(process.execPath, [WARREN_MAIN, 'server', '--config', cfg], {
        encoding: 'utf8',
        timeout: 20000,
      });
      return { status: run.status, stderr: run.stderr };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('an ensemble member without a myid file says what to write where', () => {
    const run = ensembleStart(null);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /myid does not exist: an ensemble member needs it.*one of 1, 2/);
  });

  it('a myid that names no server.N line is refused', () => {
    const run = ensembleStart('7\n');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /myid holds '7', which is not the id of a server\.N line/);
  });
});
