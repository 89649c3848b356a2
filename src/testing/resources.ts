/**
 * What warren/testing owns on the machine: temporary directories and child processes. Each is
 * released by its owner's stop(); whatever is still around when the test process exits is
 * killed (SIGKILL) and removed then, so a test that forgets stop() leaves nothing behind.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

const dirs = new Set<string>();
const children = new Set<ChildProcess>();
let exitHookInstalled = false;

function releaseAllNow(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', releaseAllNow);
}

/** A new temporary directory, removed by removeTempDir() or when the process exits. */
export function makeTempDir(prefix: string): string {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  dirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

/** Keeps a directory after exit (TestingServerOptions.keepDataDir). */
export function keepTempDir(dir: string): void {
  dirs.delete(dir);
}

export function trackChild(child: ChildProcess): void {
  installExitHook();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/**
 * A port that was free a moment ago (bind port 0, close). Another process may take it before
 * the server binds; the starters retry on a fresh port when the bind fails.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((error) => {
        if (error !== undefined) reject(error);
        else if (port > 0) resolve(port);
        else reject(new Error('the OS gave no port for a bind to port 0'));
      });
    });
  });
}

/** `count` distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export function isBindFailure(text: string): boolean {
  return /EADDRINUSE|address already in use/i.test(text);
}

/** zoo.cfg text from key → value lines, ZooKeeper's spellings. */
export function zooCfgText(settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}
