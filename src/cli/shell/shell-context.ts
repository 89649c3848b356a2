/**
 * What every command runs against: the connection (which `connect` and `close` replace), the
 * output streams and the history; and the shape of a command.
 */
import type { ZooKeeperClient } from '../../client/index.js';
import type { OptionSpec, ParsedArgs } from './command-line.js';
import type { History } from './history.js';

export interface ShellOutput {
  /** A line of results (stdout). */
  out(line: string): void;
  /** A line of diagnostics or errors (stderr), as zkCli prints `Created` and errors. */
  err(line: string): void;
  /** Lines that arrive on their own (watch events), printed at once, even at a prompt. */
  notify(lines: readonly string[]): void;
}

export interface ShellContext extends ShellOutput {
  /** The current client; null after `close`. */
  client: ZooKeeperClient | null;
  /** The connection string of the current (or last) client. */
  connectString: string;
  history: History;
  /** The client, or an error telling the user to connect. */
  requireClient(): ZooKeeperClient;
  /** Replaces the client with one connected to `connectString`. */
  reconnect(connectString: string): Promise<void>;
  /** Closes the client (its ephemerals go). */
  closeClient(): Promise<void>;
  /** Runs one line as if typed (for `redo`). */
  runLine(line: string): Promise<boolean>;
  /** Ends the shell after this command. */
  quit(): void;
}

export interface ShellCommand {
  name: string;
  /** zkCli's usage line, e.g. `get [-s] [-w] path`. */
  usage: string;
  options: OptionSpec;
  /** How many positional words are needed and allowed. */
  minArgs: number;
  maxArgs: number;
  /** Positions of words that are paths (for tab completion and error messages). */
  pathArgs?: readonly number[];
  /** Resolves true on success, false when the command failed (its message printed). */
  run(ctx: ShellContext, parsed: ParsedArgs): Promise<boolean>;
}

/** Raised when a command needs a connection and there is none. */
export class NotConnectedError extends Error {
  override name = 'NotConnectedError';
  constructor() {
    super('Not connected; use connect host:port first');
  }
}

/** `connect` (or the shell's start) found no server, or the session was refused. */
export class ConnectFailedError extends Error {
  override name = 'ConnectFailedError';
}
