/**
 * The ACL and identity commands: getAcl, setAcl (with -R for a whole subtree), addauth and
 * whoami. ACLs are typed as zkCli takes them: `scheme:id:perms[,scheme:id:perms...]`.
 */
import type { ACL, ZooKeeperClient } from '../../client/index.js';
import { UsageError, intOption } from './command-line.js';
import { formatAcl, formatStat, parsePerms } from './stat-format.js';
import type { ShellCommand } from './shell-context.js';

/** `world:anyone:cdrwa,digest:bob:hash:r` → ACL entries (the id may contain colons). */
export function parseAcl(text: string): ACL[] {
  return text.split(',').map((entry) => {
    const first = entry.indexOf(':');
    const last = entry.lastIndexOf(':');
    if (first < 0 || first === last) {
      throw new UsageError(`'${entry}' is not an ACL: expected scheme:id:perms`);
    }
    const perms = parsePerms(entry.slice(last + 1));
    if (perms === undefined) {
      throw new UsageError(`'${entry.slice(last + 1)}' is not a set of perms (letters of cdrwa)`);
    }
    return { perms, id: { scheme: entry.slice(0, first), id: entry.slice(first + 1, last) } };
  });
}

const getAcl: ShellCommand = {
  name: 'getAcl',
  usage: 'getAcl [-s] path',
  options: { flags: ['s'] },
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, parsed) {
    const { acl, stat } = await ctx.requireClient().getACL(parsed.args[0] ?? '/');
    formatAcl(acl).forEach((l) => ctx.out(l));
    if (parsed.flags.has('s')) formatStat(stat).forEach((l) => ctx.out(l));
    return true;
  },
};

async function setAclTree(client: ZooKeeperClient, path: string, acl: ACL[]): Promise<void> {
  await client.setACL(path, acl);
  for (const child of await client.getChildren(path)) {
    await setAclTree(client, path === '/' ? `/${child}` : `${path}/${child}`, acl);
  }
}

const setAcl: ShellCommand = {
  name: 'setAcl',
  usage: 'setAcl [-s] [-v version] [-R] path acl',
  options: { flags: ['s', 'R'], valued: ['v'] },
  minArgs: 2,
  maxArgs: 2,
  pathArgs: [0],
  async run(ctx, parsed) {
    const path = parsed.args[0] ?? '/';
    const acl = parseAcl(parsed.args[1] ?? '');
    const client = ctx.requireClient();
    if (parsed.flags.has('R')) {
      await setAclTree(client, path, acl);
      return true;
    }
    const stat = await client.setACL(path, acl, { version: intOption(parsed, 'v') });
    if (parsed.flags.has('s')) formatStat(stat).forEach((l) => ctx.out(l));
    return true;
  },
};

const addauth: ShellCommand = {
  name: 'addauth',
  usage: 'addauth scheme auth',
  options: {},
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, parsed) {
    await ctx.requireClient().addAuth(parsed.args[0] ?? '', parsed.args[1] ?? '');
    return true;
  },
};

const whoami: ShellCommand = {
  name: 'whoami',
  usage: 'whoami',
  options: {},
  minArgs: 0,
  maxArgs: 0,
  async run(ctx) {
    const clients = await ctx.requireClient().whoAmI();
    ctx.out('Auth scheme: User');
    for (const info of clients) ctx.out(`${info.authScheme}: ${info.user}`);
    return true;
  },
};

export const ACL_COMMANDS: readonly ShellCommand[] = [getAcl, setAcl, addauth, whoami];
