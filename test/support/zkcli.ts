/**
 * Runs Apache ZooKeeper's zkCli.sh against a server, one command on the command line or a
 * scripted session on stdin, and splits its output per command. stdout and stderr share one
 * file descriptor so lines keep the order the CLI wrote them in (zkCli prints results to
 * stdout but "Created ..." and every error to stderr). Watch notifications, which the CLI's
 * event thread prints at any moment, are taken out of the command output and returned apart.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeOwnedDir, removeOwnedDir } from './server-process.js';

export const ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh';
const ZKCLI_TIMEOUT_MS = 60_000;
/** `version` prints locally without touching the server: a free separator between commands. */
const MARKER_COMMAND = 'version';
const MARKER_LINE = /^ZooKeeper CLI version: .*\n/m;
const JVM_FLAGS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx128m';

export function zkCliAvailable(): boolean {
  return existsSync(ZKCLI);
}

export interface ZkCliRun {
  code: number | null;
  /** stdout and stderr interleaved, SLF4J warnings and watch notifications removed. */
  output: string;
  /** `state:... type:... path:...` of every WatchedEvent, in the order printed. */
  events: string[];
  /** Everything the CLI printed, untouched. */
  raw: string;
}

export interface ZkCliSession extends ZkCliRun {
  /** blocks[i] is what commands[i] printed, as lines (a trailing empty line dropped). */
  blocks: string[][];
}

/** Removes the `\nWATCHER::` and `\nWatchedEvent ...` printlns the event thread interleaves. */
function separateEvents(raw: string): { output: string; events: string[] } {
  const events: string[] = [];
  const output = raw
    .replace(/^SLF4J: .*\n/gm, '')
    .replace(/(?<=^|\n)\nWATCHER::\n/g, '')
    .replace(/(?<=^|\n)\nWatchedEvent (.*)\n/g, (_match, event: string) => {
      events.push(event);
      return '';
    });
  return { output, events };
}

export async function runZkCli(
  connectString: string,
  opts: { args?: string[]; stdin?: string; timeoutMs?: number; jvmFlags?: string } = {},
): Promise<ZkCliRun> {
  const dir = makeOwnedDir('zkcli-');
  const outFile = join(dir, 'output');
  const fd = openSync(outFile, 'w');
  const child = spawn(ZKCLI, ['-server', connectString, ...(opts.args ?? [])], {
    stdio: ['pipe', fd, fd],
    // TZ=UTC: ctime and mtime print in a fixed zone that Date.parse reads back.
    env: { ...process.env, CLIENT_JVMFLAGS: `${JVM_FLAGS} ${opts.jvmFlags ?? ''}`, TZ: 'UTC' },
  });
  closeSync(fd);
  const timeoutMs = opts.timeoutMs ?? ZKCLI_TIMEOUT_MS;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode));
    // A CLI that dies early (no java) closes stdin: its exit code tells, not the EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.stdin ?? '');
  }).finally(() => clearTimeout(timer));
  const raw = readFileSync(outFile, 'utf8');
  removeOwnedDir(dir);
  return { code, raw, ...separateEvents(raw) };
}

function toLines(block: string): string[] {
  const lines = block.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Runs `commands` in one interactive session (one connection, one session id) with a
 * `version` marker before each, then `quit`, and splits the output into one block per command.
 */
export async function runZkCliSession(
  connectString: string,
  commands: readonly string[],
  timeoutMs?: number,
  jvmFlags?: string,
): Promise<ZkCliSession> {
  for (const command of commands) {
    if (command.includes('\n')) throw new Error(`zkCli command spans lines: ${command}`);
  }
  // `quit` closes the session (its ephemerals go at once); at end of input zkCli would exit
  // leaving the session to expire. After a successful `version`, quit exits with code 0.
  const script = [MARKER_COMMAND, ...commands.flatMap((c) => [c, MARKER_COMMAND]), 'quit'];
  const stdin = script.join('\n') + '\n';
  const run = await runZkCli(connectString, { stdin, timeoutMs, jvmFlags });
  const parts = run.output.split(MARKER_LINE);
  // parts: preamble, one block per command, and what follows the last marker.
  if (parts.length !== commands.length + 2) {
    throw new Error(
      `zkCli session printed ${parts.length - 1} markers for ${commands.length + 1}; ` +
        `exit code ${run.code}; output:\n${run.raw}`,
    );
  }
  const blocks = parts.slice(1, commands.length + 1).map(toLines);
  return { ...run, blocks };
}

/** Parses the `key = value` lines zkCli prints for a Stat. */
export function parseStat(lines: readonly string[]): Record<string, string> {
  const stat: Record<string, string> = {};
  for (const line of lines) {
    const match = /^(\w+) = (.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) stat[match[1]] = match[2];
  }
  return stat;
}

export const STAT_FIELDS = [
  'cZxid',
  'ctime',
  'mZxid',
  'mtime',
  'pZxid',
  'cversion',
  'dataVersion',
  'aclVersion',
  'ephemeralOwner',
  'dataLength',
  'numChildren',
] as const;
