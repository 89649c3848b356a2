/**
 * The commands that read and write nodes: ls, get, set, create, delete, deleteall, stat,
 * sync, getEphemerals and getAllChildrenNumber, with zkCli's flags and output.
 */
import { UnimplementedError, type CreateMode, type ZooKeeperClient } from '../../client/index.js';
import { UsageError, intOption, type ParsedArgs } from './command-line.js';
import { parseAcl } from './acl-commands.js';
import { formatList, formatStat } from './stat-format.js';
import type { ShellCommand } from './shell-context.js';
import { eventPrinter } from './watch-printer.js';

function pathOf(parsed: ParsedArgs): string {
  return parsed.args[0] ?? '/';
}

function childPath(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}

/** Every path under `path`, breadth first with children sorted, as zkCli's `ls -R` prints. */
async function listTree(client: ZooKeeperClient, path: string): Promise<string[]> {
  const out = [path];
  for (let i = 0; i < out.length; i++) {
    const parent = out[i] ?? '/';
    const children = await client.getChildren(parent);
    out.push(...children.sort().map((child) => childPath(parent, child)));
  }
  return out;
}

const ls: ShellCommand = {
  name: 'ls',
  usage: 'ls [-s] [-w] [-R] path',
  options: { flags: ['s', 'w', 'R'] },
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, parsed) {
    const client = ctx.requireClient();
    const path = pathOf(parsed);
    if (parsed.flags.has('R')) {
      for (const p of await listTree(client, path)) ctx.out(p);
      return true;
    }
    const watch = eventPrinter(ctx, parsed.flags.has('w'));
    const { children, stat } = await client.getChildren(path, { watch, withStat: true });
    ctx.out(formatList([...children].sort()));
    if (parsed.flags.has('s')) formatStat(stat).forEach((l) => ctx.out(l));
    return true;
  },
};

const get: ShellCommand = {
  name: 'get',
  usage: 'get [-s] [-w] path',
  options: { flags: ['s', 'w'] },
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, parsed) {
    const watch = eventPrinter(ctx, parsed.flags.has('w'));
    const { data, stat } = await ctx.requireClient().getData(pathOf(parsed), { watch });
    ctx.out(data === null ? 'null' : data.toString('utf8'));
    if (parsed.flags.has('s')) formatStat(stat).forEach((l) => ctx.out(l));
    return true;
  },
};

const set: ShellCommand = {
  name: 'set',
  usage: 'set [-s] [-v version] path data',
  options: { flags: ['s'], valued: ['v'] },
  minArgs: 2,
  maxArgs: 2,
  pathArgs: [0],
  async run(ctx, parsed) {
    const version = intOption(parsed, 'v');
    const data = parsed.args[1] ?? '';
    const stat = await ctx.requireClient().setData(pathOf(parsed), data, { version });
    if (parsed.flags.has('s')) formatStat(stat).forEach((l) => ctx.out(l));
    return true;
  },
};

function createMode(parsed: ParsedArgs): CreateMode {
  const seq = parsed.flags.has('s');
  const eph = parsed.flags.has('e');
  const ttl = parsed.values.has('t');
  if (parsed.flags.has('c')) {
    if (seq || eph || ttl) {
      throw new UsageError('-c cannot be combined with -s, -e or -t: containers are plain nodes');
    }
    return 'container';
  }
  if (ttl) {
    if (eph) throw new UsageError('TTLs cannot be used with Ephemeral znodes');
    return seq ? 'persistentSequentialWithTtl' : 'persistentWithTtl';
  }
  if (eph) return seq ? 'ephemeralSequential' : 'ephemeral';
  return seq ? 'persistentSequential' : 'persistent';
}

const create: ShellCommand = {
  name: 'create',
  usage: 'create [-s] [-e] [-c] [-t ttl] path [data] [acl]',
  options: { flags: ['s', 'e', 'c'], valued: ['t'] },
  minArgs: 1,
  maxArgs: 3,
  pathArgs: [0],
  async run(ctx, parsed) {
    const mode = createMode(parsed);
    const ttlMs = intOption(parsed, 't');
    if (ttlMs !== undefined && ttlMs <= 0) throw new UsageError('-t needs a positive TTL in ms');
    const aclText = parsed.args[2];
    const acl = aclText === undefined ? undefined : parseAcl(aclText);
    const data = parsed.args[1] ?? null;
    const path = pathOf(parsed);
    try {
      ctx.err(`Created ${await ctx.requireClient().create(path, { data, mode, ttlMs, acl })}`);
    } catch (error) {
      if (!(error instanceof UnimplementedError) || ttlMs === undefined) throw error;
      ctx.err(`The server refused a TTL node at ${path}: it needs extendedTypesEnabled=true`);
      return false;
    }
    return true;
  },
};

const del: ShellCommand = {
  name: 'delete',
  usage: 'delete [-v version] path',
  options: { valued: ['v'] },
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, parsed) {
    const version = intOption(parsed, 'v');
    await ctx.requireClient().delete(pathOf(parsed), { version });
    return true;
  },
};

/** Deletes the deepest nodes first (breadth-first order reversed), like ZKUtil. */
async function deleteTree(client: ZooKeeperClient, path: string): Promise<void> {
  const paths = await listTree(client, path);
  for (const p of paths.reverse()) await client.delete(p);
}

const deleteall: ShellCommand = {
  name: 'deleteall',
  // -b (delete in multi batches) is accepted for zkCli scripts; nodes go one by one.
  usage: 'deleteall path [-b batch size]',
  options: { valued: ['b'] },
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, parsed) {
    const path = pathOf(parsed);
    if (path === '/') throw new UsageError('deleteall / would remove every node; refusing');
    await deleteTree(ctx.requireClient(), path);
    return true;
  },
};

const stat: ShellCommand = {
  name: 'stat',
  usage: 'stat [-w] path',
  options: { flags: ['w'] },
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, parsed) {
    const path = pathOf(parsed);
    const watch = eventPrinter(ctx, parsed.flags.has('w'));
    const result = await ctx.requireClient().exists(path, { watch });
    if (result === null) {
      ctx.err(`Node does not exist: ${path}`);
      return false;
    }
    formatStat(result).forEach((l) => ctx.out(l));
    return true;
  },
};

const sync: ShellCommand = {
  name: 'sync',
  usage: 'sync path',
  options: {},
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, parsed) {
    await ctx.requireClient().sync(pathOf(parsed));
    ctx.out('Sync is OK');
    return true;
  },
};

const getEphemerals: ShellCommand = {
  name: 'getEphemerals',
  usage: 'getEphemerals path',
  options: {},
  minArgs: 0,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, parsed) {
    ctx.out(formatList(await ctx.requireClient().getEphemerals(pathOf(parsed))));
    return true;
  },
};

const getAllChildrenNumber: ShellCommand = {
  name: 'getAllChildrenNumber',
  usage: 'getAllChildrenNumber path',
  options: {},
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, parsed) {
    ctx.out(String(await ctx.requireClient().getAllChildrenNumber(pathOf(parsed))));
    return true;
  },
};

export const NODE_COMMANDS: readonly ShellCommand[] = [
  ls,
  get,
  set,
  create,
  del,
  deleteall,
  stat,
  sync,
  getEphemerals,
  getAllChildrenNumber,
];
