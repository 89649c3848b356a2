/**
 * All shell commands by name, `help`, and running one typed line: split it, find the command,
 * check its options and arguments, run it, and print a failure as a sentence.
 */
import { ClientClosedError, RequestTooLargeError, ZooKeeperError } from '../../client/index.js';
import { ACL_COMMANDS } from './acl-commands.js';
import { UsageError, parseOptions, splitWords } from './command-line.js';
import { describeError } from './error-messages.js';
import { NODE_COMMANDS } from './node-commands.js';
import { SESSION_COMMANDS } from './session-commands.js';
import {
  ConnectFailedError,
  NotConnectedError,
  type ShellCommand,
  type ShellContext,
} from './shell-context.js';
import { WATCH_COMMANDS } from './watch-commands.js';

const help: ShellCommand = {
  name: 'help',
  usage: 'help',
  options: {},
  minArgs: 0,
  maxArgs: 1,
  run(ctx) {
    ctx.out('ZooKeeper -server host:port[,host:port][/chroot] -timeout ms -c "cmd args"');
    for (const command of [...COMMANDS.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      ctx.out(`\t${command.usage}`);
    }
    return Promise.resolve(true);
  },
};

export const COMMANDS: ReadonlyMap<string, ShellCommand> = new Map(
  [...NODE_COMMANDS, ...ACL_COMMANDS, ...WATCH_COMMANDS, ...SESSION_COMMANDS, help].map((c) => [
    c.name,
    c,
  ]),
);

/** Case-insensitive lookup, so `getacl` finds getAcl as zkCli's users expect. */
export function findCommand(name: string): ShellCommand | undefined {
  const exact = COMMANDS.get(name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  return [...COMMANDS.values()].find((c) => c.name.toLowerCase() === lower);
}

function arityProblem(command: ShellCommand, count: number): string | undefined {
  if (count < command.minArgs) {
    const what = command.minArgs === 1 ? 'an argument' : `${command.minArgs} arguments`;
    return `${command.name} needs ${what}`;
  }
  if (count > command.maxArgs) return `${command.name} takes at most ${command.maxArgs}`;
  return undefined;
}

function reportFailure(ctx: ShellContext, command: ShellCommand, error: unknown, path: string) {
  if (error instanceof UsageError) {
    ctx.err(error.message);
    ctx.err(`Usage: ${command.usage}`);
  } else if (error instanceof ZooKeeperError || error instanceof NotConnectedError) {
    ctx.err(describeError(error, path));
  } else if (error instanceof ConnectFailedError) {
    ctx.err(error.message);
  } else if (error instanceof ClientClosedError || error instanceof RequestTooLargeError) {
    ctx.err(`${command.name}: ${error.message}`);
  } else if (error instanceof TypeError) {
    ctx.err(`${command.name}: ${error.message}`);
  } else {
    throw error;
  }
}

/**
 * Runs one line; resolves false when it failed (the reason printed). Blank lines and
 * `#` comments do nothing.
 */
export async function runCommandLine(ctx: ShellContext, line: string): Promise<boolean> {
  const words = splitWords(line);
  const name = words[0];
  if (name === undefined || name.startsWith('#')) return true;
  const command = findCommand(name);
  if (command === undefined) {
    ctx.err(`Unknown command: ${name}. Type help for the list of commands.`);
    return false;
  }
  let path = '';
  try {
    const parsed = parseOptions(words.slice(1), command.options);
    path = command.pathArgs?.length === 1 ? (parsed.args[0] ?? '') : '';
    const problem = arityProblem(command, parsed.args.length);
    if (problem !== undefined) throw new UsageError(problem);
    for (const i of command.pathArgs ?? []) {
      const word = parsed.args[i];
      if (word !== undefined && !word.startsWith('/')) {
        throw new UsageError(`Path must start with / character: ${word}`);
      }
    }
    return await command.run(ctx, parsed);
  } catch (error) {
    reportFailure(ctx, command, error, path);
    return false;
  }
}
