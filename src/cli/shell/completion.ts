/**
 * Tab completion for node:readline: the first word completes to a command name, a word that
 * starts with `/` to the children of its parent (`/app/wo` → `/app/worker-1`, `/app/work`).
 */
import type { ZooKeeperClient } from '../../client/index.js';
import { COMMANDS } from './command-table.js';

export type CompletionResult = [string[], string];

function completeCommand(word: string): CompletionResult {
  const names = [...COMMANDS.keys()].filter((n) => n.startsWith(word)).sort();
  return [names.map((n) => n + ' '), word];
}

async function completePath(client: ZooKeeperClient, word: string): Promise<CompletionResult> {
  const slash = word.lastIndexOf('/');
  const parent = slash === 0 ? '/' : word.slice(0, slash);
  const prefix = word.slice(slash + 1);
  const children = await client.getChildren(parent, { timeoutMs: 2_000 });
  const base = parent === '/' ? '/' : `${parent}/`;
  const hits = children
    .filter((c) => c.startsWith(prefix))
    .sort()
    .map((c) => base + c);
  return [hits, word];
}

/** Candidates for the word before the cursor; none when offline or on any error. */
export async function completeLine(
  client: ZooKeeperClient | null,
  line: string,
): Promise<CompletionResult> {
  const word = /(\S*)$/.exec(line)?.[1] ?? '';
  if (!/\s/.test(line.trimStart())) return completeCommand(word);
  if (!word.startsWith('/') || client === null) return [[], word];
  if (client.state !== 'connected' && client.state !== 'readOnly') return [[], word];
  try {
    return await completePath(client, word);
  } catch {
    // A completion that cannot be computed (node gone, timeout) offers nothing; the command
    // itself will report the problem when it runs.
    return [[], word];
  }
}
