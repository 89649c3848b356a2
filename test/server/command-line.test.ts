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

  /** Starts a standalone server with `args`, returns what it logged until serving, stops it. */
  async function logUntilServing(args: readonly string[]): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'warren-flags-'));
    const port = String(40_000 + Math.floor(Math.random() * 20_000));
    const base = ['server', '--port', port, '--host', '127.0.0.1', '--data-dir', dir];
    const child = spawn(process.execPath, [WARREN_MAIN, ...base, ...args], { stdio: 'pipe' });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not serving: ${output}`)), 15_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (!/is serving/.test(output)) return;
          clearTimeout(timer);
          resolve();
        });
        child.once('exit', () => reject(new Error(`exited: ${output}`)));
      });
      return output;
    } finally {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('--log-format pretty logs one readable line per event, with local ISO-like times', async () => {
    const output = await logUntilServing(['--log-format', 'pretty']);
    const line = output.split('\n').find((l) => l.includes('is serving')) ?? '';
    // 2026-12-07 10:49:31.206 INFO  Warren standalone server is serving host=127.0.0.1 ...
    const shape =
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} INFO +Warren standalone server is serving /;
    assert.match(line, shape, output);
    assert.match(line, / port=\d+/, line);
  });

  it('logs JSON lines when not at a terminal, and with --log-format json', async () => {
    for (const args of [[], ['--log-format', 'json']]) {
      const output = await logUntilServing(args);
      const line = output.split('\n').find((l) => l.includes('is serving')) ?? '';
      const parsed = JSON.parse(line) as { level?: unknown; msg?: unknown };
      assert.equal(parsed.level, 30, line);
    }
  });

  it('--log-format yaml is refused, naming the accepted formats', async () => {
    const run = await runWarren(['server', '--log-format', 'yaml']);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /--log-format.*'yaml' is invalid.*pretty, json/);
  });
});
