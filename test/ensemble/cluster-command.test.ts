/**
 * `warren cluster --size 3`: one command starts a local ensemble (per-server data folders,
 * zoo.cfg and myid written for it), the servers elect a leader and serve, and Ctrl-C
 * (SIGINT) stops every server and exits 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fourLetter } from '../support/four-letter.js';
import { sleep } from '../support/server-process.js';
import { WARREN_MAIN, warrenBuilt, WARREN_NOT_BUILT_REASON } from '../support/warren-proc.js';

/** Whether `port` can be bound on loopback right now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A base with `count` consecutive free ports (the command numbers its ports from it). */
async function freeRun(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
}

async function modes(ports: number[]): Promise<string[]> {
  return Promise.all(
    ports.map(async (port) => {
      try {
        const text = await fourLetter('127.0.0.1', port, 'srvr');
        return /Mode: (\w+)/.exec(text)?.[1] ?? '?';
      } catch {
        return 'down';
      }
    }),
  );
}

describe('warren cluster', { skip: warrenBuilt() ? undefined : WARREN_NOT_BUILT_REASON }, () => {
  it('starts a 3-server ensemble that elects a leader, and Ctrl-C stops it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-cluster-'));
    const clientBase = await freeRun(3);
    const peerBase = await freeRun(6);
    const args = ['cluster', '--size', '3', '--port', String(clientBase)];
    args.push('--peer-port', String(peerBase), '--data-dir', dir, '--tick-time', '500');
    const child = spawn(process.execPath, [WARREN_MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const ports = [0, 1, 2].map((i) => clientBase + i);
      const deadline = Date.now() + 30_000;
      let seen: string[] = [];
      while (Date.now() < deadline) {
        seen = await modes(ports);
        if (seen.filter((m) => m === 'leader').length === 1 && !seen.includes('down')) break;
        await sleep(100);
      }
      assert.deepEqual([...seen].sort(), ['follower', 'follower', 'leader'], output);
      assert.match(output, /3 servers; connect with 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+/);
      for (const id of [1, 2, 3]) assert.ok(existsSync(join(dir, `server${id}`, 'myid')));
      child.kill('SIGINT');
      assert.equal(await exited, 0, output);
      assert.deepEqual(await modes(ports), ['down', 'down', 'down'], 'every server stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
