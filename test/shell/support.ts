/**
 * Runs the compiled `warren shell` as a child process, non-interactively: one command with
 * `-c`, or a script on standard input. runShellSession mirrors zkcli.ts's runZkCliSession
 * (a `version` marker between commands, stdout and stderr on one descriptor) so the same
 * script's blocks (and watch events, taken out as zkcli.ts does) can be compared with zkCli's.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeOwnedDir, removeOwnedDir } from '../support/server-process.js';
import { WARREN_MAIN } from '../support/warren-proc.js';

const RUN_TIMEOUT_MS = 20_000;
const MARKER_LINE = /^ZooKeeper CLI version: .*\n/m;

export interface ShellRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `warren shell -server <connectString> ...args` with `stdin` as its input. */
export async function runShell(
  connectString: string,
  args: readonly string[],
  stdin = '',
): Promise<ShellRun> {
  const child = spawn(process.execPath, [WARREN_MAIN, 'shell', '-server', connectString, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, TZ: 'UTC' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolve(exitCode));
    child.stdin.end(stdin);
  }).finally(() => clearTimeout(timer));
  return { code, stdout, stderr };
}

/** The shell's stdout and stderr interleaved as written, split into one block per command. */
export async function runShellSession(
  connectString: string,
  commands: readonly string[],
): Promise<{ code: number | null; blocks: string[][]; events: string[] }> {
  const dir = makeOwnedDir('warren-shell-');
  const outFile = join(dir, 'output');
  const fd = openSync(outFile, 'w');
  const script = ['version', ...commands.flatMap((c) => [c, 'version']), 'quit'];
  const child = spawn(process.execPath, [WARREN_MAIN, 'shell', '-server', connectString], {
    stdio: ['pipe', fd, fd],
    env: { ...process.env, TZ: 'UTC' },
  });
  closeSync(fd);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode));
    child.stdin?.end(script.join('\n') + '\n');
  });
  const events: string[] = [];
  const output = readFileSync(outFile, 'utf8')
    .replace(/(?<=^|\n)\nWATCHER::\n/g, '')
    .replace(/(?<=^|\n)\nWatchedEvent (.*)\n/g, (_match, event: string) => {
      events.push(event);
      return '';
    });
  const parts = output.split(MARKER_LINE);
  removeOwnedDir(dir);
  const blocks = parts.slice(1, commands.length + 1).map((block) => {
    const lines = block.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines;
  });
  return { code, blocks, events };
}
