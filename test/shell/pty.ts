/**
 * Drives a command through a pseudo-terminal with util-linux `script`, so the program sees a
 * TTY (readline's line editing, completion and prompt): type text, then wait for output.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';

const WAIT_MS = 10_000;

export function scriptAvailable(): boolean {
  return spawnSync('script', ['--version']).status === 0;
}

/** Removes terminal escape sequences and carriage returns. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

export class Pty {
  private readonly child: ChildProcessWithoutNullStreams;
  private raw = '';
  /** Where the next waitFor starts looking. */
  private seen = 0;
  readonly exited: Promise<number | null>;

  constructor(command: string, env: Record<string, string>) {
    this.child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, TZ: 'UTC', TERM: 'xterm', ...env },
    });
    this.child.stdout.on('data', (chunk: Buffer) => (this.raw += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Everything printed so far, escapes removed. */
  get output(): string {
    return plain(this.raw);
  }

  type(text: string): void {
    this.child.stdin.write(text);
  }

  /** Waits until `pattern` appears after the previous match; returns the text up to it. */
  async waitFor(pattern: RegExp | string, timeoutMs = WAIT_MS): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.output.slice(this.seen);
      const index = typeof pattern === 'string' ? text.indexOf(pattern) : text.search(pattern);
      if (index >= 0) {
        const length =
          typeof pattern === 'string' ? pattern.length : (pattern.exec(text)?.[0].length ?? 0);
        this.seen += index + length;
        return text.slice(0, index + length);
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${String(pattern)}; output so far:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
