/**
 * Finds a ZooKeeper data directory's files: `snapshot.<hex zxid>[.gz|.snappy]` in dataDir's
 * version-2/ folder and `log.<hex zxid>` in dataLogDir's (the same folder unless ZooKeeper
 * had a separate dataLogDir). The zxid in a name is the first one the file covers.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ImportError } from './import-error.js';
import { zkFilesMax } from './import-limits.js';

export type Compression = 'none' | 'gz' | 'snappy';

export interface ZkFile {
  readonly path: string;
  readonly zxid: number;
  readonly bytes: number;
  readonly modifiedMs: number;
}

export interface ZkSnapshotFile extends ZkFile {
  readonly compression: Compression;
}

/** `<dir>/version-2` when it exists, else `dir` itself when it is that folder already. */
export async function versionFolder(dir: string, what: string): Promise<string> {
  const nested = join(dir, 'version-2');
  if (await isDirectory(nested)) return nested;
  if (basename(dir) === 'version-2' && (await isDirectory(dir))) return dir;
  throw new ImportError(
    `${what} ${dir} has no version-2 folder: is it a ZooKeeper dataDir (or dataLogDir)?`,
  );
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** The zxid of `<prefix>.<hex>[.<ext>]`, or null for any other name. */
export function zxidOfName(name: string, prefix: string): number | null {
  const parts = name.split('.');
  if (parts.length < 2 || parts[0] !== prefix) return null;
  const hex = parts[1] as string;
  if (!/^[0-9a-fA-F]{1,16}$/.test(hex)) return null;
  const zxid = Number.parseInt(hex, 16);
  return Number.isSafeInteger(zxid) ? zxid : null;
}

function compressionOf(name: string): Compression | null {
  const parts = name.split('.');
  if (parts.length === 2) return 'none';
  if (parts.length !== 3) return null;
  // Anything else (a `.tmp` ZooKeeper was still writing) is not a snapshot.
  if (parts[2] === 'gz') return 'gz';
  if (parts[2] === 'snappy') return 'snappy';
  return null;
}

async function listNamed(folder: string, prefix: string): Promise<[ZkFile, string][]> {
  const names = await readdir(folder);
  if (names.length > zkFilesMax) {
    throw new ImportError(`${folder} holds ${names.length} entries (at most ${zkFilesMax})`);
  }
  const out: [ZkFile, string][] = [];
  for (const name of names) {
    const zxid = zxidOfName(name, prefix);
    if (zxid === null) continue;
    const path = join(folder, name);
    const info = await stat(path);
    if (!info.isFile()) continue;
    out.push([{ path, zxid, bytes: info.size, modifiedMs: info.mtimeMs }, name]);
  }
  return out;
}

/** Snapshots, newest first. */
export async function listSnapshots(folder: string): Promise<ZkSnapshotFile[]> {
  const out: ZkSnapshotFile[] = [];
  for (const [file, name] of await listNamed(folder, 'snapshot')) {
    const compression = compressionOf(name);
    if (compression !== null) out.push({ ...file, compression });
  }
  return out.sort((a, b) => b.zxid - a.zxid);
}

/** Transaction logs, oldest first. */
export async function listLogs(folder: string): Promise<ZkFile[]> {
  const out = (await listNamed(folder, 'log'))
    .filter(([, name]) => name.split('.').length === 2)
    .map(([file]) => file);
  return out.sort((a, b) => a.zxid - b.zxid);
}

/**
 * The logs that can hold txns after `zxid`: the last one starting at or before it and every
 * later one (ZooKeeper's FileTxnLog.getLogFiles).
 */
export function logsAfter(logs: readonly ZkFile[], zxid: number): ZkFile[] {
  let first = 0;
  logs.forEach((log, i) => {
    if (log.zxid <= zxid) first = i;
  });
  return logs.slice(first);
}
