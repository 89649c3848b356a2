// Proves the data directory lock (storage/directory-lock.ts) in one process: a second lock on
// a held directory is refused naming the directory, the lock file and the pid; dataDir and
// dataLogDir are one lock when equal; release frees it and never removes another's lock; a
// lock left by a dead process, by an earlier start in this very process, or with unreadable
// contents is taken over with a warning; one held by a live process is not. Two real
// processes are in test/crash/data-dir-lock.test.ts.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { lockDirectories, lockFileName } from '../../../src/storage/directory-lock.js';
import { StorageError } from '../../../src/storage/errors.js';
import { CapturingLogger, makeTempDir } from './helpers.js';

async function holderPid(path: string): Promise<number> {
  return (JSON.parse(await readFile(path, 'utf8')) as { pid: number }).pid;
}

function refusedFor(directory: string, pid: number) {
  return (error: unknown) => {
    assert.ok(error instanceof StorageError, String(error));
    assert.equal(error.code, 'WARREN_STORAGE_LOCKED');
    assert.ok(error.message.includes(directory), error.message);
    assert.ok(error.message.includes(join(directory, lockFileName)), error.message);
    assert.ok(error.message.includes(`pid ${pid}`), error.message);
    return true;
  };
}

/** A pid that no process has now: a child that already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

void test('a held directory is refused until released, in this process too', async (t) => {
  const dataDir = await makeTempDir(t);
  const logDir = await makeTempDir(t);
  const logger = new CapturingLogger();
  const held = await lockDirectories([dataDir, logDir], logger);
  await assert.rejects(lockDirectories([dataDir], logger), refusedFor(dataDir, process.pid));
  await assert.rejects(lockDirectories([logDir], logger), refusedFor(logDir, process.pid));
  assert.equal(await holderPid(join(dataDir, lockFileName)), process.pid);
  await held.release();
  assert.deepEqual(await readdir(dataDir), [], 'release removes the lock file');
  assert.deepEqual(await readdir(logDir), []);
  const again = await lockDirectories([dataDir, logDir], logger);
  await again.release();
  assert.equal(logger.warnings.length, 0);
});

void test('equal dataDir and dataLogDir take one lock', async (t) => {
  const dataDir = await makeTempDir(t);
  const held = await lockDirectories([dataDir, `${dataDir}/.`], new CapturingLogger());
  assert.deepEqual(await readdir(dataDir), [lockFileName]);
  await held.release();
});

void test('a lock of a dead process or an earlier start here is taken over', async (t) => {
  const dataDir = await makeTempDir(t);
  const path = join(dataDir, lockFileName);
  for (const contents of [
    JSON.stringify({ pid: deadPid(), startTicks: null }),
    JSON.stringify({ pid: process.pid, startTicks: null }),
    '',
    '{"pid":',
  ]) {
    await writeFile(path, contents);
    const logger = new CapturingLogger();
    const held = await lockDirectories([dataDir], logger);
    assert.equal(await holderPid(path), process.pid);
    assert.equal(logger.warnings.length, 1, contents);
    assert.ok(logger.warnings[0]?.fields['path'] === path);
    await held.release();
  }
});

void test('a lock of a live process is refused; release leaves it alone', async (t) => {
  const dataDir = await makeTempDir(t);
  const path = join(dataDir, lockFileName);
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  t.after(() => child.kill('SIGKILL'));
  const pid = child.pid ?? 0;
  await writeFile(path, JSON.stringify({ pid, startTicks: null }));
  await assert.rejects(lockDirectories([dataDir], new CapturingLogger()), refusedFor(dataDir, pid));
  // Ours once, then another's: a release must not remove the other's lock.
  await writeFile(path, '');
  const held = await lockDirectories([dataDir], new CapturingLogger());
  const others = JSON.stringify({ pid, startTicks: null });
  await writeFile(path, others);
  await held.release();
  assert.equal(await readFile(path, 'utf8'), others);
});
