/**
 * The Raft hard state (term, vote, commit) on disk. Term and vote are what stop a server from
 * voting twice in one term, so the file is replaced atomically (write a temporary file, fsync,
 * rename over, fsync the directory) and carries a checksum; a file that fails it stops
 * start-up rather than risk a second vote.
 *
 *   "WRNHST" | u16 version=1 | u64 term | u64 vote | u64 commit | u32 crc32c(previous bytes)
 */
import { crc32c } from '@node-rs/crc32';
import { basename } from 'node:path';
import type { StoredHardState as HardState } from './raft-types.js';
import type { Disk, DiskFile } from './disk.js';
import { fsyncFailed, writeFailed } from './errors.js';
import { readUint53, writeUint53 } from './wal-format.js';
import { replacingSuffix } from './raft-layout.js';

const magic = Buffer.from('WRNHST', 'latin1');
const formatVersion = 1;
const fileBytes = 36;
const checksumOffset = fileBytes - 4;

/** The hard state file exists but cannot be trusted. */
export class CorruptRaftStateError extends Error {
  override readonly name = 'CorruptRaftStateError';
  readonly code = 'WARREN_CORRUPT_RAFT_STATE';

  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(
      `Raft state file ${file} is damaged: ${problem}. It holds this server's term and vote, ` +
        'and guessing them could let it vote twice in one term, so Warren will not start. ' +
        'Remove this server from the ensemble, clear its data directories, and add it again ' +
        '(it then catches up from the leader).',
    );
  }
}

export function encodeHardState(state: HardState): Buffer {
  const bytes = Buffer.alloc(fileBytes);
  magic.copy(bytes, 0);
  bytes.writeUInt16BE(formatVersion, 6);
  writeUint53(bytes, state.term, 8);
  writeUint53(bytes, state.vote, 16);
  writeUint53(bytes, state.commit, 24);
  bytes.writeUInt32BE(crc32c(bytes.subarray(0, checksumOffset)), checksumOffset);
  return bytes;
}

export function decodeHardState(bytes: Buffer, file: string): HardState {
  const corrupt = (problem: string) => new CorruptRaftStateError(file, problem);
  if (bytes.length !== fileBytes) throw corrupt(`${bytes.length} bytes, expected ${fileBytes}`);
  if (!bytes.subarray(0, 6).equals(magic)) throw corrupt('no WRNHST magic');
  if (bytes.readUInt32BE(checksumOffset) !== crc32c(bytes.subarray(0, checksumOffset))) {
    throw corrupt('checksum mismatch');
  }
  const version = bytes.readUInt16BE(6);
  if (version !== formatVersion) throw corrupt(`unknown format version ${version}`);
  const [term, vote, commit] = [readUint53(bytes, 8), readUint53(bytes, 16), readUint53(bytes, 24)];
  if (term < 0 || vote < 0 || commit < 0) throw corrupt('a field is out of range');
  return { term, vote, commit };
}

/** The stored hard state, or null when the file does not exist (a new member). */
export async function readHardState(disk: Disk, path: string): Promise<HardState | null> {
  let bytes: Buffer;
  try {
    bytes = await disk.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return decodeHardState(bytes, path);
}

/** Replaces the file atomically; resolves once the new contents and name are durable. */
export async function writeHardState(
  disk: Disk,
  directory: string,
  path: string,
  state: HardState,
): Promise<void> {
  const temporary = path + replacingSuffix;
  let file: DiskFile | null = null;
  try {
    file = await disk.open(temporary, 'overwrite');
    await file.writeAll(encodeHardState(state), 0);
  } catch (error) {
    await file?.close().catch(() => undefined); // the write error is the one to report
    throw writeFailed(`writing ${temporary}`, error);
  }
  try {
    await file.datasync();
  } catch (error) {
    await file.close().catch(() => undefined);
    throw fsyncFailed(temporary, error);
  }
  await file.close().catch((error: unknown) => {
    throw writeFailed(`closing ${temporary}`, error);
  });
  await disk.rename(temporary, path).catch((error: unknown) => {
    throw writeFailed(`renaming ${basename(temporary)} over ${path}`, error);
  });
  await disk.syncDirectory(directory).catch((error: unknown) => {
    throw fsyncFailed(`directory ${directory}`, error);
  });
}
