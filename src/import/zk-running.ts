/**
 * ZooKeeper takes no lock on its data directory, so a running one is found the way an
 * operator would: a ZooKeeper server process (Linux /proc) that has a file in the folders
 * open, or whose zoo.cfg names them. Best effort: a process of another user is not visible.
 */
import { readFile, readdir, readlink, realpath } from 'node:fs/promises';
import { join } from 'node:path';

const serverClass = /org\.apache\.zookeeper\.server\.(quorum\.QuorumPeerMain|ZooKeeperServerMain)/;
/** Processes looked at: far above a real machine's, bounded anyway. */
const processesMax = 100_000;
const configBytesMax = 1024 * 1024;

async function text(path: string, max: number): Promise<string | null> {
  try {
    const bytes = await readFile(path);
    return bytes.length > max ? null : bytes.toString('utf8');
  } catch {
    return null;
  }
}

/** Whether a zoo.cfg names one of the folders (or the data dirs that hold them). */
function configNames(config: string, dirs: readonly string[]): boolean {
  for (const line of config.split('\n')) {
    const match = /^\s*(dataDir|dataLogDir)\s*=\s*(.+?)\s*$/.exec(line);
    if (match === null) continue;
    const value = (match[2] as string).replace(/\/+$/, '');
    if (dirs.some((dir) => dir === value || dir === join(value, 'version-2'))) return true;
  }
  return false;
}

async function holdsFileIn(pid: string, dirs: readonly string[]): Promise<boolean> {
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const target = await readlink(`/proc/${pid}/fd/${fd}`);
      if (dirs.some((dir) => target.startsWith(`${dir}/`))) return true;
    } catch {
      // the descriptor closed meanwhile
    }
  }
  return false;
}

/** The pid of a running ZooKeeper that uses one of `folders`, or null. */
export async function runningZooKeeper(folders: readonly string[]): Promise<number | null> {
  if (process.platform !== 'linux') return null;
  const dirs = await Promise.all(folders.map((f) => realpath(f).catch(() => f)));
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).slice(0, processesMax);
  } catch {
    return null;
  }
  for (const pid of pids) {
    const cmdline = await text(`/proc/${pid}/cmdline`, configBytesMax);
    if (cmdline === null || !serverClass.test(cmdline)) continue;
    if (await holdsFileIn(pid, dirs)) return Number(pid);
    const args = cmdline.split('\0').filter((a) => a !== '');
    const last = args[args.length - 1] ?? '';
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '/');
    const config = await text(last.startsWith('/') ? last : join(cwd, last), configBytesMax);
    if (config !== null && configNames(config, dirs)) return Number(pid);
  }
  return null;
}
