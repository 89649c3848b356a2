/**
 * The data directory lock with real processes: a second `warren server` on a dataDir a
 * running server holds refuses to start, naming the directory and the holder's pid, while the
 * first keeps serving (two servers on one dataDir would both acknowledge writes); the same
 * for a shared dataLogDir; a SIGKILLed server does not block its own restart (the lock of a
 * dead pid is taken over with a warning); a clean stop removes the lock.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/ports.js';
import { RawClient } from '../support/raw-client.js';
import { startWarren, WARREN_MAIN, type RunningServer } from '../support/warren-proc.js';

async function secondServer(args: string[]): Promise<{ status: number | null; output: string }> {
  const port = String(await freePort());
  const run = spawnSync(
    process.execPath,
    [WARREN_MAIN, 'server', '--host', '127.0.0.1', '--port', port, ...args],
    { encoding: 'utf8', timeout: 15000 },
  );
  return { status: run.status, output: run.stdout + run.stderr };
}

async function stillServes(server: RunningServer): Promise<void> {
  const client = await RawClient.connect(server.host, server.port, { timeoutMs: 10000 });
  const reply = await client.request({ type: 3, path: '/', watch: false });
  assert.equal(reply.header.err, 0);
  await client.close();
}

describe('data directory lock', () => {
  it('refuses a second server on a held dataDir, naming it and the pid', async () => {
    const first = await startWarren();
    try {
      const second = await secondServer(['--data-dir', first.dataDir]);
      assert.match(second.output, new RegExp(`${first.dataDir}.*in use`), second.output);
      assert.ok(second.output.includes(`pid ${first.pid}`), second.output);
      assert.notEqual(second.status, 0, second.output);
      await stillServes(first);
    } finally {
      await first.stop();
    }
  });

  it('refuses a second server on a held dataLogDir', async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'warren-lock-log-'));
    const otherData = mkdtempSync(join(tmpdir(), 'warren-lock-data-'));
    const first = await startWarren({ args: ['--data-log-dir', logDir] });
    try {
      const second = await secondServer(['--data-dir', otherData, '--data-log-dir', logDir]);
      assert.match(second.output, new RegExp(`${logDir}.*in use`), second.output);
      assert.ok(second.output.includes(`pid ${first.pid}`), second.output);
      assert.notEqual(second.status, 0);
      await stillServes(first);
    } finally {
      await first.stop();
      rmSync(logDir, { recursive: true, force: true });
      rmSync(otherData, { recursive: true, force: true });
    }
  });

  it('a SIGKILLed server restarts on its dataDir; a clean stop removes the lock', async () => {
    const first = await startWarren({ keepDataDir: true });
    const { dataDir, port } = first;
    let restarted: RunningServer | null = null;
    try {
      await first.kill('SIGKILL');
      assert.ok(existsSync(join(dataDir, 'warren.lock')), 'SIGKILL leaves the lock file');
      restarted = await startWarren({ dataDir, port, keepDataDir: true });
      const log = readFileSync(restarted.logFile, 'utf8');
      assert.match(log, /taking over the lock/, log);
      await stillServes(restarted);
      await restarted.stop();
      restarted = null;
      assert.ok(!existsSync(join(dataDir, 'warren.lock')), 'a clean stop removes the lock');
    } finally {
      await restarted?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
