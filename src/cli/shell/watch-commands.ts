/**
 * addWatch and removewatches. Persistent watches print every event they get until removed;
 * the default mode is PERSISTENT_RECURSIVE, as in zkCli.
 */
import type { PersistentWatchMode, WatcherKind } from '../../client/index.js';
import { UsageError } from './command-line.js';
import type { ShellCommand } from './shell-context.js';
import { printEvent } from './watch-printer.js';

const MODES: Readonly<Record<string, PersistentWatchMode>> = {
  PERSISTENT: 'persistent',
  PERSISTENT_RECURSIVE: 'persistentRecursive',
};

const addWatch: ShellCommand = {
  name: 'addWatch',
  usage:
    'addWatch [-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE]' +
    ' - default is PERSISTENT_RECURSIVE',
  options: { valued: ['m'] },
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, parsed) {
    const text = parsed.values.get('m') ?? 'PERSISTENT_RECURSIVE';
    const mode = MODES[text.toUpperCase()];
    if (mode === undefined) {
      throw new UsageError(`'${text}' is not a watch mode: use PERSISTENT or PERSISTENT_RECURSIVE`);
    }
    await ctx.requireClient().addWatch(parsed.args[0] ?? '/', (e) => printEvent(ctx, e), { mode });
    return true;
  },
};

function kindOf(flags: Set<string>): WatcherKind {
  const kinds = (['c', 'd', 'a'] as const).filter((f) => flags.has(f));
  if (kinds.length > 1) throw new UsageError('give only one of -c, -d and -a');
  if (kinds[0] === 'c') return 'children';
  if (kinds[0] === 'd') return 'data';
  return 'any';
}

const removewatches: ShellCommand = {
  name: 'removewatches',
  usage: 'removewatches path [-c|-d|-a] [-l]',
  options: { flags: ['c', 'd', 'a', 'l'] },
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, parsed) {
    const local = parsed.flags.has('l');
    await ctx.requireClient().removeWatches(parsed.args[0] ?? '/', kindOf(parsed.flags), { local });
    return true;
  },
};

export const WATCH_COMMANDS: readonly ShellCommand[] = [addWatch, removewatches];
