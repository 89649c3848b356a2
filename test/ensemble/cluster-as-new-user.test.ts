/**
 * Issue 11, "found, tried as a new user would": one real `warren cluster --size 3`, asked what
 * a new user asks of it (conf, srvr, the shell's config), then killed with SIGKILL, after which
 * none of its servers may be left running.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
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

async function mode(port: number): Promise<string> {
  try {
    return /Mode: (\w+)/.exec(await fourLetter('127.0.0.1', port, 'srvr'))?.[1] ?? '?';
  } catch {
    return 'down';
  }
}

/** Runs `warren <args>` to its end; stdout and stderr together. */
function runWarren(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [WARREN_MAIN, ...args], { stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

/** The pid in a data directory's warren.lock (storage/directory-lock.ts). */
function lockHolder(path: string): number | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    const pid = (parsed as { pid?: unknown }).pid;
    return typeof pid === 'number' ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const skip = warrenBuilt() ? undefined : WARREN_NOT_BUILT_REASON;

describe('warren cluster, as a new user tries it', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'warren-new-user-'));
  let cluster: ChildProcess | null = null;
  let output = '';
  let clientBase = 0;
  let peerBase = 0;
  const ports = () => [0, 1, 2].map((i) => clientBase + i);

  before(async () => {
    clientBase = await freeRun(3);
    peerBase = await freeRun(6);
    const args = ['cluster', '--size', '3', '--port', String(clientBase)];
    args.push('--peer-port', String(peerBase), '--data-dir', dir, '--tick-time', '500');
    cluster = spawn(process.execPath, [WARREN_MAIN, ...args], { stdio: 'pipe' });
    cluster.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    cluster.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 30_000;
    let seen: string[] = [];
    while (Date.now() < deadline) {
      seen = await Promise.all(ports().map(mode));
      if (seen.filter((m) => m === 'leader').length === 1 && !seen.includes('down')) break;
      await sleep(100);
    }
    assert.deepEqual([...seen].sort(), ['follower', 'follower', 'leader'], output);
  });

  // Ctrl-C, not SIGKILL: a cleanup that leaves servers behind would hide the fault tested last.
  after(async () => {
    const running = cluster;
    if (running !== null && running.exitCode === null && running.signalCode === null) {
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGINT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('conf names each server by its id and prints the quorum fields as ZooKeeper does', async () => {
    for (const [i, port] of ports().entries()) {
      const conf = await fourLetter('127.0.0.1', port, 'conf');
      assert.match(conf, new RegExp(`^serverId=${i + 1}$`, 'm'), conf);
      assert.match(conf, /^initLimit=10$/m, conf);
      assert.match(conf, /^syncLimit=5$/m, conf);
      assert.match(conf, /^electionAlg=3$/m, conf);
      const peer = peerBase + 2 * i;
      assert.match(conf, new RegExp(`^quorumPort=${peer}$`, 'm'), conf);
      assert.match(conf, new RegExp(`^electionPort=${peer + 1}$`, 'm'), conf);
      assert.match(conf, /^peerType=0$/m, conf);
      assert.match(conf, /^membership: \n/m, conf);
      for (const id of [1, 2, 3]) {
        const p = peerBase + 2 * (id - 1);
        const line = `server.${id}=127.0.0.1:${p}:${p + 1}:participant;`;
        assert.ok(conf.includes(line), `${line} in\n${conf}`);
      }
      assert.match(conf, /\nversion=[0-9a-f]+$/, conf);
    }
  });

  it("srvr says which version this is and when it was built, in ZooKeeper's format", async () => {
    const pkg: unknown = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    );
    const first = (await fourLetter('127.0.0.1', ports()[0] ?? 0, 'srvr')).split('\n')[0] ?? '';
    const shape =
      /^Zookeeper version: 3\.8\.0-warren-(\S+), built on (\d{4}-\d\d-\d\d \d\d:\d\d) UTC$/;
    const match = shape.exec(first);
    assert.ok(match !== null, first);
    assert.equal(match[1], (pkg as { version: string }).version);
    // This build was compiled before the test started: tsc wrote main.js then, to the minute.
    const builtAt = Date.parse(`${match[2]?.replace(' ', 'T')}:00Z`);
    const compiledAt = statSync(WARREN_MAIN).mtimeMs;
    assert.ok(
      builtAt > compiledAt - 120_000 && builtAt <= Date.now(),
      `${first} vs ${new Date(compiledAt).toISOString()}`,
    );
  });

  it("the shell's config shows the address each server listens on (127.0.0.1)", async () => {
    const shell = await runWarren(['shell', '-server', `127.0.0.1:${ports()[0]}`, 'config']);
    assert.equal(shell.code, 0, shell.output);
    for (const [i, port] of ports().entries()) {
      const p = peerBase + 2 * i;
      const line = `server.${i + 1}=127.0.0.1:${p}:${p + 1}:participant;127.0.0.1:${port}`;
      assert.ok(shell.output.includes(line), `${line} in\n${shell.output}`);
    }
  });

  it('its servers exit when warren cluster is killed with SIGKILL', async () => {
    const pids = [1, 2, 3].map((id) => lockHolder(join(dir, `server${id}`, 'warren.lock')));
    assert.ok(
      pids.every((pid) => pid !== null && alive(pid)),
      `lock pids ${pids.join(',')}`,
    );
    const running = cluster;
    assert.ok(running !== null);
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
    try {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && pids.some((pid) => pid !== null && alive(pid))) {
        await sleep(100);
      }
      assert.deepEqual(
        pids.filter((pid) => pid !== null && alive(pid)),
        [],
        'servers still running after their parent died',
      );
    } finally {
      // This test's own servers, by pid, should they outlive it.
      for (const pid of pids) if (pid !== null && alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
