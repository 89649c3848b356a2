/**
 * Runs one compiled `warren <command> ...` to its end (backup, restore, inspect): exit code,
 * stdout and stderr. No test-framework imports.
 */
import { spawn } from 'node:child_process';
import { WARREN_MAIN } from './warren-proc.js';

const RUN_TIMEOUT_MS = 60_000;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function runWarren(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  const child = spawn(process.execPath, [WARREN_MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode) => resolve(exitCode));
    });
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}
