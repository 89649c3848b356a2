/**
 * The narrow file-system surface the storage layer uses, so tests and the simulator can put a
 * faulty or in-memory disk behind the WAL and snapshots. `nodeDisk` is the real one, over
 * `node:fs/promises`. Writes are positional: the WAL always knows where its synced end is.
 */
import {
  chmod,
  mkdir,
  open,
  readdir,
  rename,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';

export interface DiskFile {
  /** Writes all of `buffer` at `position` (looping over short writes), or throws. */
  writeAll(buffer: Buffer, position: number): Promise<void>;
  /** Reads up to `length` bytes at `position` into `buffer` at `offset`; returns bytes read. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** fdatasync: the data and the size needed to read it back are durable when it resolves. */
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

/**
 * createNew fails if the file exists (a segment is never overwritten); overwrite creates or
 * truncates (temp files); readWrite and read open an existing file.
 */
export type OpenMode = 'createNew' | 'overwrite' | 'readWrite' | 'read';

export interface Disk {
  open(path: string, mode: OpenMode): Promise<DiskFile>;
  readFile(path: string): Promise<Buffer>;
  /** Entry names in `path`; an absent directory is an error (ENOENT). */
  list(path: string): Promise<string[]>;
  makeDirectory(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** fsync of a directory, so created, renamed and removed entries survive a crash. */
  syncDirectory(path: string): Promise<void>;
}

const openFlags: Record<OpenMode, string> = {
  createNew: 'wx',
  overwrite: 'w',
  readWrite: 'r+',
  read: 'r',
};

class NodeDiskFile implements DiskFile {
  constructor(private readonly handle: FileHandle) {}

  async writeAll(buffer: Buffer, position: number): Promise<void> {
    let done = 0;
    while (done < buffer.length) {
      const { bytesWritten } = await this.handle.write(
        buffer,
        done,
        buffer.length - done,
        position + done,
      );
      if (bytesWritten === 0) throw new Error('write made no progress');
      done += bytesWritten;
    }
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const { bytesRead } = await this.handle.read(buffer, offset, length, position);
    return bytesRead;
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * Data files hold session passwords and digest hashes: only the server's user may read them
 * (files 0600, folders 0700, whatever the umask; an existing folder is tightened too).
 */
const fileMode = 0o600;
const folderMode = 0o700;

export const nodeDisk: Disk = {
  async open(path, mode) {
    return new NodeDiskFile(await open(path, openFlags[mode], fileMode));
  },
  async readFile(path) {
    const handle = await open(path, 'r');
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  },
  list(path) {
    return readdir(path);
  },
  async makeDirectory(path) {
    await mkdir(path, { recursive: true, mode: folderMode });
    if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, folderMode);
  },
  rename(from, to) {
    return rename(from, to);
  },
  remove(path) {
    return unlink(path);
  },
  async syncDirectory(path) {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};
