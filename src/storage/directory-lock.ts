/**
 * An exclusive lock on the data directories (dataDir and dataLogDir, once if equal), so that
 * two servers never run on the same files: both would acknowledge writes, each into a log the
 * other overwrites. Node has no flock, so the lock is a file, `warren.lock`, that a server
 * creates atomically (written beside it, then hard-linked into place: link fails if the name
 * exists, and the file is never seen half-written) holding its pid and, on Linux, its start
 * time in clock ticks since boot (/proc/<pid>/stat), which tells a reused pid from the holder.
 *
 * A lock is *stale*, and taken over with a warning, when its pid is not alive, is alive but
 * started at another time (a reused pid, as a container restarted as pid 1 sees), is this
 * very process without it holding the lock (an earlier start here that never released), or
 * its contents are unreadable (a crash of the machine right after it was made). A SIGKILLed
 * server leaves its lock behind and the restart takes it over that way. Takeover renames the
 * stale file aside and checks it is the one judged stale, so two servers taking over at once
 * do not both win; if another won, this one sees a live lock on its next try and refuses.
 * A clean stop releases: it removes the file if it is still this process's.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StorageError } from './errors.js';
import type { StorageLogger } from './logger.js';

export const lockFileName = 'warren.lock';

export interface DirectoryLocks {
  /** Removes the lock files this process still holds; idempotent. */
  release(): Promise<void>;
}

interface LockContents {
  pid: number;
  /** Start time of the process in clock ticks since boot; null where /proc is not there. */
  startTicks: number | null;
}

/** Lock files this process holds, with the exact contents it wrote. */
const heldHere = new Map<string, string>();
/** Takeover attempts before giving up (each one lost to another server taking over). */
const takeoverTriesMax = 3;

/** Locks each distinct directory (resolved), in order; on a refusal, releases what it took. */
export async function lockDirectories(
  directories: readonly string[],
  logger: StorageLogger,
): Promise<DirectoryLocks> {
  const taken: string[] = [];
  const release = async () => {
    for (const path of taken.splice(0).reverse()) await releaseLock(path);
  };
  try {
    for (const directory of new Set(directories.map((d) => resolve(d)))) {
      const path = join(directory, lockFileName);
      await takeLock(directory, path, logger);
      taken.push(path);
    }
  } catch (error) {
    await release();
    throw error;
  }
  return { release };
}

/**
 * The pid of a live server holding `directory`'s lock, or null (none, or a stale one). For
 * readers that take no lock (`warren inspect`): they only warn that the files may change.
 */
export async function liveLockHolder(directory: string): Promise<number | null> {
  const path = join(resolve(directory), lockFileName);
  const text = await readOrNull(path);
  const holder = text === null ? null : parse(text);
  if (holder === null || holder.pid === process.pid) return null;
  return (await whyStale(path, holder)) === null ? holder.pid : null;
}

async function takeLock(directory: string, path: string, logger: StorageLogger): Promise<void> {
  const mine = JSON.stringify(await contentsOfThisProcess());
  for (let tries = 0; ; tries++) {
    if (await createWith(path, mine)) {
      heldHere.set(path, mine);
      return;
    }
    const text = await readOrNull(path);
    if (text === null) continue; // released meanwhile: try again
    const holder = parse(text);
    const stale = holder === null ? 'its contents are unreadable' : await whyStale(path, holder);
    if (stale === null || tries >= takeoverTriesMax) {
      throw lockedError(directory, path, holder);
    }
    logger.warn(
      { path, holder: text, reason: stale },
      `taking over the lock on ${directory}: ${stale} (a server that stopped without releasing)`,
    );
    await moveAsideIfUnchanged(path, text);
  }
}

/** Creates `path` holding `text`, atomically; false if it exists. */
async function createWith(path: string, text: string): Promise<boolean> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, text, { mode: 0o600 });
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw lockFailed(path, error);
  } finally {
    await unlink(temporary).catch(() => undefined); // a leftover name only; never read
  }
}

/** Why the lock `holder` wrote is stale, or null while its holder is alive. */
async function whyStale(path: string, holder: LockContents): Promise<string | null> {
  if (holder.pid === process.pid) {
    return heldHere.has(path) ? null : `its pid ${holder.pid} is this process, which lacks it`;
  }
  if (!isAlive(holder.pid)) return `no process has its pid ${holder.pid}`;
  const startTicks = await startTicksOf(holder.pid);
  if (holder.startTicks !== null && startTicks !== null && startTicks !== holder.startTicks) {
    return `pid ${holder.pid} is a newer process than the one that took it`;
  }
  return null;
}

/** Renames the stale lock aside; puts it back if it turned out to be another's new lock. */
async function moveAsideIfUnchanged(path: string, staleText: string): Promise<void> {
  const aside = `${path}.stale.${process.pid}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // another took it over
    throw lockFailed(path, error);
  }
  if ((await readOrNull(aside)) !== staleText) {
    // Another server took it over between our read and rename: its lock goes back.
    await link(aside, path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

async function releaseLock(path: string): Promise<void> {
  const mine = heldHere.get(path);
  heldHere.delete(path);
  if (mine === undefined || (await readOrNull(path)) !== mine) return;
  await unlink(path).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw lockFailed(path, error);
  });
}

function lockedError(directory: string, path: string, holder: LockContents | null): StorageError {
  const who = holder === null ? 'another server' : `another Warren server (pid ${holder.pid})`;
  return new StorageError(
    'WARREN_STORAGE_LOCKED',
    `${directory} is in use by ${who}: its lock file ${path} is held. Two servers on one ` +
      'data directory would overwrite each other’s log. Stop the other server, or give this ' +
      `one its own dataDir and dataLogDir; if no such server runs, remove ${path}.`,
  );
}

function lockFailed(path: string, cause: unknown): StorageError {
  const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
  return new StorageError(
    'WARREN_STORAGE_LOCKED',
    `could not take the lock file ${path} (${code}); check that the directory is writable.`,
    { cause },
  );
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw lockFailed(path, error);
  }
}

function parse(text: string): LockContents | null {
  try {
    const value = JSON.parse(text) as Partial<LockContents>;
    const { pid, startTicks } = value;
    if (!Number.isSafeInteger(pid) || (pid as number) <= 0) return null;
    const ticks = Number.isSafeInteger(startTicks) ? (startTicks as number) : null;
    return { pid: pid as number, startTicks: ticks };
  } catch {
    return null; // unreadable contents are a stale lock, said in the warning
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

async function contentsOfThisProcess(): Promise<LockContents> {
  return { pid: process.pid, startTicks: await startTicksOf(process.pid) };
}

/** Field 22 of /proc/<pid>/stat (after the command name, which may hold spaces); or null. */
async function startTicksOf(pid: number): Promise<number | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (text === null) return null;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  return Number.isSafeInteger(ticks) ? ticks : null;
}
