/**
 * The interactive shell on a terminal: a `[zk: host:port(CONNECTED) N]` prompt, node:readline
 * line editing with history (this shell's and ~/.warren_history) and tab completion of
 * commands and paths, and watch notifications printed the moment they arrive without
 * losing the line being typed.
 */
import { createInterface, type Interface } from 'node:readline';
import { completeLine, type CompletionResult } from './completion.js';
import { HISTORY_LINES_MAX, History } from './history.js';
import { ConnectFailedError, type ShellOutput } from './shell-context.js';
import { ShellSession } from './shell-session.js';

class TerminalOutput implements ShellOutput {
  rl: Interface | undefined;
  /** True while a command runs: notifications then need no prompt redraw. */
  busy = true;

  out(line: string): void {
    process.stdout.write(line + '\n');
  }
  err(line: string): void {
    process.stderr.write(line + '\n');
  }
  notify(lines: readonly string[]): void {
    if (this.busy || this.rl === undefined) {
      lines.forEach((l) => this.out(l));
      return;
    }
    process.stdout.write('\r\x1b[K' + lines.map((l) => l + '\n').join(''));
    this.rl.prompt(true);
  }
}

function promptOf(session: ShellSession): string {
  return `[zk: ${session.connectString}(${session.stateName}) ${session.history.current}] `;
}

function makeReadline(session: ShellSession, previous: string[]): Interface {
  return createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    history: previous,
    historySize: HISTORY_LINES_MAX,
    completer: (line: string, done: (err: Error | null, result: CompletionResult) => void) => {
      completeLine(session.client, line).then(
        (result) => done(null, result),
        (error: unknown) => done(error as Error, [[], '']),
      );
    },
  });
}

async function connectAtStart(session: ShellSession, server: string): Promise<void> {
  session.out(`Connecting to ${server}`);
  try {
    await session.reconnect(server);
  } catch (error) {
    if (!(error instanceof ConnectFailedError)) throw error;
    session.err(error.message);
    session.err('Commands will fail until you connect host:port.');
  }
}

/** Runs the interactive shell until quit or end of input; resolves with the exit code. */
export async function runInteractive(
  server: string,
  timeoutMs: number,
  historyPath: string,
  canBeReadOnly = false,
): Promise<number> {
  const output = new TerminalOutput();
  const history = new History(historyPath, (message) => output.err(message));
  const settings = { timeoutMs, showSessionEvents: true, canBeReadOnly };
  const session = new ShellSession(server, history, output, settings);
  await connectAtStart(session, server);
  const rl = makeReadline(session, history.loadPrevious());
  output.rl = rl;
  rl.on('SIGINT', () => rl.close());
  try {
    rl.setPrompt(promptOf(session));
    output.busy = false;
    rl.prompt();
    for await (const line of rl) {
      output.busy = true;
      if (line.trim() !== '') history.add(line);
      await session.runLine(line);
      if (session.quitRequested) break;
      rl.setPrompt(promptOf(session));
      output.busy = false;
      rl.prompt();
    }
  } finally {
    output.busy = true;
    rl.close();
    await session.closeClient();
  }
  return 0;
}
