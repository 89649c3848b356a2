/**
 * One `warren server --config <zoo.cfg>` child process, started from this package's own CLI,
 * its output appended to a log file. kill() sends a signal (SIGKILL for a crash, SIGSTOP and
 * SIGCONT to freeze and thaw); stop() asks it to stop (SIGTERM) and SIGKILLs it after a grace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { trackChild } from './resources.js';

/** dist/src/testing → dist/src/cli/main.js */
const WARREN_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const STOP_GRACE_MS = 5_000;
const TERMINATING: ReadonlySet<NodeJS.Signals> = new Set(['SIGKILL', 'SIGTERM', 'SIGINT']);

export type ChildState = 'running' | 'paused' | 'down';

export class ChildServer {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private exitNote: string | undefined;
  private paused = false;

  constructor(
    configFile: string,
    readonly logFile: string,
    logLevel: string,
  ) {
    const log = openSync(logFile, 'a');
    try {
      const args = [WARREN_MAIN, 'server', '--config', configFile, '--log-level', logLevel];
      this.child = spawn(process.execPath, args, { stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    trackChild(this.child);
    // A forgotten server must not keep the test process alive; the exit hook kills it.
    this.child.unref();
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitNote = signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
        resolve();
      });
      this.child.once('error', (error) => {
        this.exitNote = `could not start: ${error.message}`;
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get state(): ChildState {
    if (this.exitNote !== undefined) return 'down';
    return this.paused ? 'paused' : 'running';
  }

  /** Why the process is gone, with the end of its log; undefined while it runs. */
  exitReason(): string | undefined {
    if (this.exitNote === undefined) return undefined;
    return `the server ${this.exitNote}\n${logTail(this.logFile)}`;
  }

  /** Sends a signal; for SIGKILL, SIGTERM and SIGINT waits until the process is gone. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.exitNote !== undefined) return;
    if (signal === 'SIGSTOP') this.paused = true;
    if (signal === 'SIGCONT') this.paused = false;
    this.child.kill(signal);
    if (!TERMINATING.has(signal)) return;
    this.child.ref();
    await this.exited;
  }

  /** SIGTERM (a paused process is woken first), SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (this.exitNote !== undefined) return;
    if (this.paused) this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    this.child.ref();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), STOP_GRACE_MS);
    });
    if ((await Promise.race([this.exited, grace])) === 'late') await this.kill('SIGKILL');
    clearTimeout(timer);
  }
}

export function warrenCliBuilt(): boolean {
  return existsSync(WARREN_MAIN);
}

export function logTail(logFile: string, lines = 30): string {
  if (!existsSync(logFile)) return `(no log at ${logFile})`;
  const tail = readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
  return `--- end of ${logFile} ---\n${tail}`;
}
