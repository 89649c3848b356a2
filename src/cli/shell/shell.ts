/**
 * `warren shell`: zkCli for Warren and ZooKeeper. With `-c "cmd"` it runs one command and
 * exits (1 if it failed); with standard input that is not a terminal it runs each line as a
 * command (exit 1 if any failed); on a terminal it is interactive (see interactive.ts).
 * As in zkCli, results go to stdout and `Created /x` and every error to stderr.
 */
import { createInterface } from 'node:readline';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { History } from './history.js';
import { runInteractive } from './interactive.js';
import { ConnectFailedError, type ShellOutput } from './shell-context.js';
import { ShellSession } from './shell-session.js';

export interface ShellOptions {
  /** `host:port[,host:port][/chroot]`. */
  server: string;
  /** Session timeout in ms (default 30 000, as zkCli). */
  timeoutMs: number;
  /** One command to run instead of reading standard input. */
  command?: string;
  /** zkCli's -r: accept a read-only server (one cut off from its ensemble's quorum). */
  readOnly?: boolean;
}

/** The file interactive history is kept in. */
export function historyFile(): string {
  return join(homedir(), '.warren_history');
}

const plainOutput: ShellOutput = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  notify: (lines) => process.stdout.write(lines.map((l) => l + '\n').join('')),
};

async function runLines(session: ShellSession, lines: AsyncIterable<string>): Promise<number> {
  let failed = false;
  for await (const line of lines) {
    if (line.trim() !== '' && !line.trimStart().startsWith('#')) session.history.add(line);
    if (!(await session.runLine(line))) failed = true;
    if (session.quitRequested) break;
  }
  return failed ? 1 : 0;
}

/** Runs the shell to the end; resolves with the process exit code. */
export async function runShell(options: ShellOptions): Promise<number> {
  // Output piped into `head` and the like: stop quietly when the reader goes away.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
  const interactive = options.command === undefined && process.stdin.isTTY === true;
  const canBeReadOnly = options.readOnly ?? false;
  if (interactive) {
    return runInteractive(options.server, options.timeoutMs, historyFile(), canBeReadOnly);
  }
  const history = new History(undefined);
  const settings = { timeoutMs: options.timeoutMs, showSessionEvents: false, canBeReadOnly };
  const session = new ShellSession(options.server, history, plainOutput, settings);
  try {
    await session.reconnect(options.server);
  } catch (error) {
    if (!(error instanceof ConnectFailedError)) throw error;
    plainOutput.err(error.message);
    return 1;
  }
  try {
    if (options.command !== undefined) {
      history.add(options.command);
      return (await session.runLine(options.command)) ? 0 : 1;
    }
    const input = createInterface({ input: process.stdin, terminal: false, crlfDelay: Infinity });
    return await runLines(session, input);
  } finally {
    await session.closeClient();
  }
}
