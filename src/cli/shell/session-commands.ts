/**
 * The commands about the connection and the shell itself: connect, close, quit/exit,
 * history, redo, config and reconfig.
 */
import { readFileSync } from 'node:fs';
import { UsageError, intOption } from './command-line.js';
import { formatStat } from './stat-format.js';
import type { ShellCommand } from './shell-context.js';
import { eventPrinter } from './watch-printer.js';

/** Where ensembles publish their membership. */
const CONFIG_NODE = '/zookeeper/config';

const connect: ShellCommand = {
  name: 'connect',
  usage: 'connect host:port',
  options: {},
  minArgs: 0,
  maxArgs: 1,
  async run(ctx, parsed) {
    await ctx.reconnect(parsed.args[0] ?? ctx.connectString);
    return true;
  },
};

const close: ShellCommand = {
  name: 'close',
  usage: 'close',
  options: {},
  minArgs: 0,
  maxArgs: 0,
  async run(ctx) {
    await ctx.closeClient();
    return true;
  },
};

function quitCommand(name: string): ShellCommand {
  return {
    name,
    usage: name,
    options: {},
    minArgs: 0,
    maxArgs: 0,
    run(ctx) {
      ctx.quit();
      return Promise.resolve(true);
    },
  };
}

const history: ShellCommand = {
  name: 'history',
  usage: 'history',
  options: {},
  minArgs: 0,
  maxArgs: 0,
  run(ctx) {
    ctx.history.recent().forEach((l) => ctx.out(l));
    return Promise.resolve(true);
  },
};

const redo: ShellCommand = {
  name: 'redo',
  usage: 'redo cmdno',
  options: {},
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, parsed) {
    const text = parsed.args[0] ?? '';
    const line = /^\d+$/.test(text) ? ctx.history.get(Number(text)) : undefined;
    if (line === undefined) throw new UsageError(`No command number ${text} in the history`);
    if (/^\s*redo\b/.test(line)) throw new UsageError(`Command ${text} is itself a redo`);
    // As in zkCli, the history then shows the command that ran, not `redo N`.
    ctx.history.replaceLast(line);
    return ctx.runLine(line);
  },
};

/** The zkCli command scripts use as a no-op separator; prints this shell's line. */
const version: ShellCommand = {
  name: 'version',
  usage: 'version',
  options: {},
  minArgs: 0,
  maxArgs: 0,
  run(ctx) {
    ctx.out('ZooKeeper CLI version: Warren shell (zkCli-compatible)');
    return Promise.resolve(true);
  },
};

/** `version hostA:port,hostB:port` from the config text, as `config -c` prints it. */
function clientConfig(text: string): string {
  const hosts: string[] = [];
  let version = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('version=')) version = line.slice('version='.length);
    const server = /^server\.\d+=([^:;]+)[^;]*;(?:(.*):)?(\d+)$/.exec(line.trim());
    if (server !== null) hosts.push(`${server[2] ?? server[1] ?? ''}:${server[3] ?? ''}`);
  }
  return `${version} ${hosts.join(',')}`;
}

const config: ShellCommand = {
  name: 'config',
  usage: 'config [-c] [-w] [-s]',
  options: { flags: ['c', 'w', 's'] },
  minArgs: 0,
  maxArgs: 0,
  async run(ctx, parsed) {
    const watch = eventPrinter(ctx, parsed.flags.has('w'));
    const { data, stat } = await ctx.requireClient().getData(CONFIG_NODE, { watch });
    const text = data?.toString('utf8') ?? '';
    ctx.out(parsed.flags.has('c') ? clientConfig(text) : text);
    if (parsed.flags.has('s')) formatStat(stat).forEach((l) => ctx.out(l));
    return true;
  },
};

/** `-file` holds server lines, one per line, as the new membership. */
function membersFromFile(file: string): string {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('server.'))
    .join(',');
}

const reconfig: ShellCommand = {
  name: 'reconfig',
  usage:
    'reconfig [-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3' +
    '[,...]*]] | [-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]',
  options: { flags: ['s'], valued: ['v', 'file', 'members', 'add', 'remove'] },
  minArgs: 0,
  maxArgs: 0,
  async run(ctx, parsed) {
    const file = parsed.values.get('file');
    const newMembers = file !== undefined ? membersFromFile(file) : parsed.values.get('members');
    const joiningServers = parsed.values.get('add');
    const leavingServers = parsed.values.get('remove');
    if (newMembers !== undefined && (joiningServers ?? leavingServers) !== undefined) {
      throw new UsageError('-members and -file cannot be combined with -add or -remove');
    }
    if (newMembers === undefined && joiningServers === undefined && leavingServers === undefined) {
      throw new UsageError('reconfig needs -members, -file, -add or -remove');
    }
    const fromConfig = intOption(parsed, 'v');
    const result = await ctx
      .requireClient()
      .reconfig({ newMembers, joiningServers, leavingServers, fromConfig });
    ctx.out('Committed new configuration:');
    ctx.out(result.config);
    if (parsed.flags.has('s')) formatStat(result.stat).forEach((l) => ctx.out(l));
    return true;
  },
};

export const SESSION_COMMANDS: readonly ShellCommand[] = [
  connect,
  close,
  quitCommand('quit'),
  quitCommand('exit'),
  history,
  redo,
  version,
  config,
  reconfig,
];
