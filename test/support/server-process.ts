/**
 * What the server launchers share: the RunningServer handle, spawning a server with its output
 * in a log file, stopping it (SIGTERM, then SIGKILL), and a registry that kills every server
 * and removes every temp dir still around when the test process exits, so no JVM or Warren
 * process outlives the test that started it. No test-framework imports: bench/ uses this too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, LOOPBACK_HOST } from './ports.js';

export interface RunningServer {
  host: string;
  port: number;
  pid: number;
  dataDir: string;
  /** host:port, as clients take it. */
  connectString: string;
  /** The file that holds the server's stdout and stderr. */
  logFile: string;
  /** SIGTERM, SIGKILL after 5 s, then removes the temp dirs this launcher created. */
  stop(): Promise<void>;
  /**
   * Sends a signal. For SIGKILL, SIGTERM and SIGINT it resolves once the process has exited;
   * for any other signal (SIGSTOP, SIGCONT, ...) once the signal is sent. Removes nothing, so a
   * crashed server's dataDir can be reused by the next start.
   */
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  logFile: string;
  /** Settles when the process has exited; never rejects. */
  exited: Promise<ExitStatus>;
  /** Non-null once the process has exited. */
  exitStatus(): ExitStatus | null;
}

export const STOP_GRACE_MS = 5_000;
const TERMINATING_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGKILL', 'SIGTERM', 'SIGINT']);

const liveChildren = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
let cleanupInstalled = false;

function cleanupNow(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
  liveChildren.clear();
  for (const dir of ownedDirs) rmSync(dir, { recursive: true, force: true });
  ownedDirs.clear();
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', cleanupNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanupNow();
      process.kill(process.pid, signal);
    });
  }
}

/** A temp dir removed by removeOwnedDir() or, at the latest, when the test process exits. */
export function makeOwnedDir(prefix: string): string {
  installCleanup();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  ownedDirs.add(dir);
  return dir;
}

/** Keeps a dir made by makeOwnedDir() on disk after the test process exits. */
export function disownDir(dir: string): void {
  ownedDirs.delete(dir);
}

export function removeOwnedDir(dir: string): void {
  if (!ownedDirs.delete(dir)) return;
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Node options for the servers only, from WARREN_SERVER_NODE_ARGS (space-separated), e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the servers a bench starts: NODE_OPTIONS
 * refuses --cpu-prof, and would profile the bench's own processes too.
 */
function serverNodeArgs(command: string): string[] {
  const extra = process.env['WARREN_SERVER_NODE_ARGS'] ?? '';
  if (command !== process.execPath || extra.trim() === '') return [];
  return extra.trim().split(/\s+/);
}

/** Spawns a server with stdin closed and stdout+stderr appended to logFile. */
export function spawnServer(
  command: string,
  args: readonly string[],
  options: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv },
): ServerProcess {
  installCleanup();
  const logFd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, [...serverNodeArgs(command), ...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }
  let status: ExitStatus | null = null;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      status = { code, signal };
      liveChildren.delete(child);
      resolve(status);
    });
    child.once('error', (error) => {
      status = { code: null, signal: null };
      liveChildren.delete(child);
      appendNote(options.logFile, `spawn ${command} failed: ${error.message}`);
      resolve(status);
    });
  });
  liveChildren.add(child);
  // A test that forgets stop() must not hang the runner: the exit handler kills the child.
  child.unref();
  return {
    child,
    pid: child.pid ?? -1,
    logFile: options.logFile,
    exited,
    exitStatus: () => status,
  };
}

function appendNote(logFile: string, note: string): void {
  appendFileSync(logFile, `\n[test support] ${note}\n`);
}

/** SIGTERM, then SIGKILL if the process is still there after graceMs. */
export async function stopServer(proc: ServerProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  if (proc.exitStatus() !== null) return;
  proc.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  const first = await Promise.race([proc.exited, graceOver]);
  clearTimeout(timer);
  if (first === 'timeout') {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
}

export async function signalServer(proc: ServerProcess, signal: NodeJS.Signals): Promise<void> {
  if (proc.exitStatus() !== null) return;
  proc.child.kill(signal);
  if (!TERMINATING_SIGNALS.has(signal)) return;
  // The child is unref'd so a forgotten server never keeps a test alive; while we wait for
  // its exit it must keep the event loop alive, or the loop can end before 'exit' arrives.
  proc.child.ref();
  await proc.exited;
}

/** The last `lines` lines of a log file, or a note that it is missing. */
export function logTail(logFile: string, lines = 40): string {
  if (!existsSync(logFile)) return `(no log file at ${logFile})`;
  const text = readFileSync(logFile, 'utf8');
  const tail = text
    .split('\n')
    .slice(-lines - 1)
    .join('\n');
  return `--- last ${lines} lines of ${logFile} ---\n${tail}`;
}

export function describeExit(status: ExitStatus): string {
  return status.signal !== null ? `killed by ${status.signal}` : `exited with code ${status.code}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` until it returns true. Fails early when the process exits, and after
 * timeoutMs; either error carries the log tail.
 */
export async function waitUntilReady(
  proc: ServerProcess,
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt yet';
  for (;;) {
    const status = proc.exitStatus();
    if (status !== null) {
      throw new Error(
        `${what} ${describeExit(status)} before it was ready\n${logTail(proc.logFile)}`,
      );
    }
    try {
      if (await probe()) return;
      lastError = 'probe answered, but not ready';
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      const tail = logTail(proc.logFile);
      throw new Error(
        `${what} not ready after ${timeoutMs} ms (last probe: ${lastError})\n${tail}`,
      );
    }
    await sleep(100);
  }
}

export interface LaunchPlan {
  /** Prefix of the temp dir that holds the log, config and (by default) the data dir. */
  tempPrefix: string;
  dataDir?: string;
  port?: number;
  keepDataDir?: boolean;
  /** True when a failed start was a lost race for the port: retry on another one. */
  isBindFailure(error: unknown): boolean;
  /** Starts the server and resolves once it is ready (stopping it again if it never is). */
  launch(rootDir: string, dataDir: string, port: number): Promise<ServerProcess>;
}

const BIND_ATTEMPTS_MAX = 3;

/** Makes the temp dirs, picks a port, launches (retrying lost port races) and wraps it. */
export async function launchServer(plan: LaunchPlan): Promise<RunningServer> {
  const rootDir = makeOwnedDir(plan.tempPrefix);
  const dataDir = plan.dataDir ?? join(rootDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  if (plan.keepDataDir === true) disownDir(rootDir);
  let proc: ServerProcess | undefined;
  let port = plan.port ?? 0;
  for (let attempt = 1; proc === undefined; attempt++) {
    if (plan.port === undefined) port = await freePort();
    try {
      proc = await plan.launch(rootDir, dataDir, port);
    } catch (error) {
      const retry = plan.port === undefined && attempt < BIND_ATTEMPTS_MAX;
      if (!retry || !plan.isBindFailure(error)) {
        removeOwnedDir(rootDir);
        throw error;
      }
    }
  }
  const started = proc;
  return {
    host: LOOPBACK_HOST,
    port,
    pid: started.pid,
    dataDir,
    connectString: `${LOOPBACK_HOST}:${port}`,
    logFile: started.logFile,
    async stop() {
      await stopServer(started);
      removeOwnedDir(rootDir);
    },
    kill: (signal) => signalServer(started, signal),
  };
}

/** Waits for readiness; a server that never gets ready is stopped before the error is thrown. */
export async function readyOrStopped(
  proc: ServerProcess,
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<ServerProcess> {
  try {
    await waitUntilReady(proc, what, probe, timeoutMs);
  } catch (error) {
    await stopServer(proc);
    throw error;
  }
  return proc;
}
