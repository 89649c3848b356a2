/**
 * Storage faults on a real server process: a torn write at the end of the log is cut off at
 * restart with nothing acknowledged lost; a corrupted record before the tail stops start-up
 * with a message naming the file; so does a one-bit flip in the last, fsynced record, which
 * `--repair-log` then drops with a log line saying what it dropped; a full disk (a tiny
 * tmpfs, root only) makes the server refuse writes with NotReadOnly while reads keep working,
 * and writes come back once space is freed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Err } from '../../src/protocol/error-codes.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { freePort } from '../support/ports.js';
import { RawClient } from '../support/raw-client.js';
import { sleep } from '../support/server-process.js';
import { startWarren, WARREN_MAIN, type RunningServer } from '../support/warren-proc.js';

const acl = [...OPEN_ACL_UNSAFE];

async function writeNodes(server: RunningServer, count: number, prefix: string): Promise<void> {
  const client = await RawClient.connect(server.host, server.port, { timeoutMs: 10000 });
  const replies = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      client.request({
        type: 1,
        path: `/${prefix}${i}`,
        data: Buffer.alloc(100, i),
        acl,
        flags: 0,
        ttl: -1,
      }),
    ),
  );
  for (const r of replies) assert.equal(r.header.err, Err.ok);
  await client.close();
}

async function countNodes(server: RunningServer, prefix: string): Promise<number> {
  const client = await RawClient.connect(server.host, server.port, { timeoutMs: 10000 });
  const reply = await client.request({ type: 8, path: '/', watch: false });
  await client.close();
  const children = reply.response?.kind === 'children' ? reply.response.children : [];
  return children.filter((c) => c.startsWith(prefix)).length;
}

function lastSegment(dataDir: string): string {
  const dir = join(dataDir, 'raft-log');
  const segments = readdirSync(dir)
    .filter((f) => f.startsWith('log.'))
    .sort();
  const last = segments[segments.length - 1];
  assert.ok(last !== undefined, 'a log segment exists');
  return join(dir, last);
}

describe('storage faults', () => {
  it('cuts a torn tail at restart and keeps every acknowledged write', async () => {
    let server = await startWarren({ keepDataDir: true });
    const { dataDir, port } = server;
    try {
      await writeNodes(server, 200, 'n');
      await server.kill('SIGKILL');
      // A batch that was being written when the power went: a length and half a record.
      appendFileSync(lastSegment(dataDir), Buffer.from([0, 0, 0, 90, 1, 2, 3, 4, 5, 6, 7]));
      server = await startWarren({ dataDir, port, keepDataDir: true });
      assert.equal(await countNodes(server, 'n'), 200);
      await writeNodes(server, 10, 'after');
      assert.equal(await countNodes(server, 'after'), 10);
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses to start on a corrupted record before the tail, naming the file', async () => {
    const server = await startWarren({ keepDataDir: true });
    const { dataDir } = server;
    try {
      await writeNodes(server, 200, 'n');
      await server.kill('SIGKILL');
      const segment = lastSegment(dataDir);
      const bytes = readFileSync(segment);
      const at = Math.floor(bytes.length / 3);
      bytes[at] = (bytes[at] ?? 0) ^ 0xff;
      writeFileSync(segment, bytes);
      const run = spawnSync(
        process.execPath,
        [WARREN_MAIN, 'server', '--port', String(await freePort()), '--data-dir', dataDir],
        {
          encoding: 'utf8',
          timeout: 20000,
        },
      );
      assert.notEqual(run.status, 0, 'start-up must fail');
      const output = run.stdout + run.stderr;
      assert.match(output, /damaged at byte offset \d+/);
      assert.ok(output.includes(segment), `the message names ${segment}: ${output}`);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a bit flip in the last record; --repair-log drops it, saying what', async () => {
    const server = await startWarren({ keepDataDir: true });
    const { dataDir, port } = server;
    let repaired: RunningServer | null = null;
    try {
      await writeNodes(server, 50, 'n');
      await server.kill('SIGKILL');
      const segment = lastSegment(dataDir);
      const bytes = readFileSync(segment);
      // The last byte belongs to the last record, complete and fsynced: damage, not a tear.
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x10;
      writeFileSync(segment, bytes);
      const run = spawnSync(
        process.execPath,
        [WARREN_MAIN, 'server', '--port', String(port), '--data-dir', dataDir],
        { encoding: 'utf8', timeout: 15000 },
      );
      const output = run.stdout + run.stderr;
      assert.match(output, /damaged at byte offset \d+/, output);
      assert.ok(output.includes(segment), `the message names ${segment}: ${output}`);
      assert.match(output, /--repair-log/);
      assert.notEqual(run.status, 0, 'start-up must fail');
      assert.deepEqual(readFileSync(segment), bytes, 'a refused start changes nothing');
      repaired = await startWarren({ dataDir, port, keepDataDir: true, args: ['--repair-log'] });
      const log = readFileSync(repaired.logFile, 'utf8');
      const dropped = /repair-log: dropping 1 damaged record.*at byte offset (\d+)/.exec(log);
      assert.ok(dropped !== null && log.includes(segment), log);
      const offset = Number(dropped[1]);
      const now = readFileSync(segment);
      // Kept up to the damaged record; what follows was written after the restart.
      assert.deepEqual(now.subarray(0, offset), bytes.subarray(0, offset));
      assert.notDeepEqual(now.subarray(offset, bytes.length), bytes.subarray(offset));
      assert.ok((await countNodes(repaired, 'n')) >= 49);
    } finally {
      await repaired?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a full disk refuses writes with NotReadOnly, keeps reads, and recovers', async (t) => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'warren-full-'));
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]);
    if (mounted.status !== 0) {
      rmSync(mountPoint, { recursive: true, force: true });
      // Mounting a tmpfs needs root. CI and the README's test command run as root, so there
      // this test always runs; a developer without root sees it skipped with this reason.
      t.skip('needs root to mount a small tmpfs');
      return;
    }
    const dataDir = join(mountPoint, 'data');
    const server = await startWarren({ dataDir, keepDataDir: true });
    try {
      await writeNodes(server, 20, 'kept');
      const client = await RawClient.connect(server.host, server.port, { timeoutMs: 30000 });
      // Fill the disk, leaving some room for the first few writes.
      const filler = join(mountPoint, 'filler');
      writeFileSync(filler, Buffer.alloc(2 * 1024 * 1024 - 256 * 1024));
      let refused = 0;
      for (let i = 0; i < 400 && refused === 0; i++) {
        const reply = await client
          .request({
            type: 1,
            path: `/big${i}`,
            data: Buffer.alloc(4000, 1),
            acl,
            flags: 0,
            ttl: -1,
          })
          .catch(() => null);
        if (reply === null) break;
        if (reply.header.err === Err.notReadOnly) refused++;
      }
      // The connection whose write hit the full disk was closed (outcome unknown); the session
      // lives on. New sessions can't be created (that is a write), so reattach this one.
      const probe = client.isOpen
        ? client
        : await RawClient.connect(server.host, server.port, {
            timeoutMs: 30000,
            sessionId: client.sessionId,
            passwd: client.passwd,
            lastZxidSeen: client.lastZxid,
          });
      const refusedNow = await probe.request({
        type: 1,
        path: '/refused',
        data: null,
        acl,
        flags: 0,
        ttl: -1,
      });
      assert.equal(refusedNow.header.err, Err.notReadOnly, 'writes are refused on a full disk');
      const read = await probe.request({ type: 4, path: '/kept3', watch: false });
      assert.equal(read.header.err, Err.ok, 'reads keep working');
      rmSync(filler);
      let resumed = false;
      for (let i = 0; i < 40 && !resumed; i++) {
        await sleep(500);
        const r = await probe.request({
          type: 1,
          path: `/resumed${i}`,
          data: null,
          acl,
          flags: 0,
          ttl: -1,
        });
        resumed = r.header.err === Err.ok;
      }
      assert.ok(resumed, 'writes resume once space is freed');
      probe.destroy();
      client.destroy();
      assert.equal(await countNodes(server, 'kept'), 20);
    } catch (e) {
      console.log(readFileSync(server.logFile, 'utf8').slice(-3000));
      throw e;
    } finally {
      await server.stop();
      spawnSync('umount', [mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });
});
