/**
 * The `warren` command's flags, as a new user types them (issue 11): a wrong value is refused
 * before anything starts, in the command's own words, naming what is accepted.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { WARREN_MAIN, warrenBuilt, WARREN_NOT_BUILT_REASON } from '../support/warren-proc.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `warren <args>` to its end (killed after 15 s: a refused flag must not start anything). */
function runWarren(args: readonly string[]): Promise<Run> {
  const child = spawn(process.execPath, [WARREN_MAIN, ...args], { stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

const skip = warrenBuilt() ? undefined : WARREN_NOT_BUILT_REASON;

describe('warren command-line flags', { skip }, () => {
  for (const command of ['server', 'cluster']) {
    it(`${command} --log-level verbose is refused, naming the accepted levels`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'warren-flags-'));
      try {
        const run = await runWarren([command, '--log-level', 'verbose', '--data-dir', dir]);
        assert.notEqual(run.code, 0, run.stdout + run.stderr);
        assert.match(run.stderr, /--log-level/);
        assert.match(run.stderr, /trace, debug, info, warn, error, fatal, silent/);
        assert.doesNotMatch(run.stdout + run.stderr, /custom levels/, 'no logger internals');
        assert.doesNotMatch(run.stdout, /servers; connect with/, 'nothing started');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('cluster --size 2 is refused: two servers tolerate no failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-flags-'));
    try {
      // Ports of its own, should it start anyway.
      const port = String(40_000 + Math.floor(Math.random() * 20_000));
      const args = ['cluster', '--size', '2', '--data-dir', dir, '--port', port];
      const run = await runWarren([...args, '--peer-port', String(Number(port) + 2)]);
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.match(run.stderr, /--size 2 .*tolerates no failure/);
      assert.doesNotMatch(run.stdout, /servers; connect with/, 'nothing started');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
