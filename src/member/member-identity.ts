/**
 * Which server a data directory belongs to. The Raft state in it is one member's (its votes,
 * its log), so it must never be started as another: the first start records the id in
 * `<dataDir>/raft-member`, and a later start under another id stops with a message that
 * says what to do. A standalone server is server 1 (start-member.ts), which is how a
 * standalone directory becomes the first member of an ensemble. Directories from before the
 * file existed get it on their next start.
 */
import { join } from 'node:path';
import { ConfigError } from '../config/config-error.js';
import type { Disk } from '../storage/disk.js';

const fileName = 'raft-member';

export async function claimIdentity(disk: Disk, dataDir: string, selfId: number): Promise<void> {
  const path = join(dataDir, fileName);
  let text: string | null = null;
  try {
    text = (await disk.readFile(path)).toString('latin1').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text === null) {
    await writeDurably(disk, dataDir, path, `${selfId}\n`);
    return;
  }
  const owner = Number(text);
  if (owner === selfId) return;
  throw new ConfigError(
    `${dataDir} holds the Raft state of server ${text} (${path}), but this server is ` +
      `server ${selfId}. Start it with myid ${text} and its server.${text} line; a standalone ` +
      'server is server 1, so a standalone directory becomes an ensemble as server.1 ' +
      '(docs/ensemble.md, "Growing a standalone server").',
    'myid',
  );
}

async function writeDurably(disk: Disk, dataDir: string, path: string, text: string) {
  const temporary = `${path}.tmp`;
  const file = await disk.open(temporary, 'overwrite');
  try {
    await file.writeAll(Buffer.from(text, 'latin1'), 0);
    await file.datasync();
  } finally {
    await file.close();
  }
  await disk.rename(temporary, path);
  await disk.syncDirectory(dataDir);
}
