/**
 * How storage files are named: by zxid (a Raft index) in 16 lowercase hex digits, so that a
 * plain directory listing sorts them in order. Which folders hold them: raft-layout.ts.
 */
import { join } from 'node:path';
import { fail } from '../util/assert.js';
import type { Disk } from './disk.js';

export const segmentPrefix = 'log.';
export const snapshotPrefix = 'snapshot.';
/** Suffix of a snapshot still being written; never read, removed at recovery. */
export const temporarySuffix = '.tmp';

export interface StorageFile {
  zxid: number;
  path: string;
}

export function zxidToHex(zxid: number): string {
  if (!(Number.isSafeInteger(zxid) && zxid >= 0)) fail(`zxid ${zxid} is not a safe integer`);
  return zxid.toString(16).padStart(16, '0');
}

/** The zxid in `<prefix><16 hex>`, or null for any other name (temp files, strangers). */
export function parseFileName(name: string, prefix: string): number | null {
  if (!name.startsWith(prefix) || name.length !== prefix.length + 16) return null;
  const hex = name.slice(prefix.length);
  if (!/^[0-9a-f]{16}$/.test(hex)) return null;
  const zxid = Number.parseInt(hex, 16);
  return Number.isSafeInteger(zxid) ? zxid : null;
}

/** Files named `<prefix><zxid>` in `directory`, oldest first; an absent directory is empty. */
export async function listFiles(
  disk: Disk,
  directory: string,
  prefix: string,
): Promise<StorageFile[]> {
  let names: string[];
  try {
    names = await disk.list(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: StorageFile[] = [];
  for (const name of names) {
    const zxid = parseFileName(name, prefix);
    if (zxid !== null) files.push({ zxid, path: join(directory, name) });
  }
  return files.sort((a, b) => a.zxid - b.zxid);
}

/** Creates `directory` (and parents) and makes its entry durable in the parent. */
export async function ensureDirectory(disk: Disk, directory: string): Promise<void> {
  await disk.makeDirectory(directory);
  await disk.syncDirectory(join(directory, '..'));
}
