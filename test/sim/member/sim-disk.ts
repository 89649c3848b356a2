/**
 * One simulated machine's disk, behind the storage layer's Disk interface. Each file holds
 * what is durable and what is only in the page cache: a write or truncate changes the cached
 * contents and is remembered as pending until the file's next datasync. A crash keeps the
 * durable contents plus a prefix of the pending operations, the last of them possibly cut
 * mid-write (a torn write). Directory changes (create, rename, remove) are durable at once.
 * Operations finish as world events owned by the process that issued them, so a killed
 * process never sees its last operations complete; fsync takes a little virtual time.
 * Faults (no space, fsync errors) come from wrapping this in storage/faulty-disk.ts.
 */
import { dirname } from 'node:path';
import type { Disk, DiskFile, OpenMode } from '../../../src/storage/disk.js';
import type { Prng } from '../../support/prng.js';
import type { Incarnation, SimWorld } from './world.js';

type PendingOp =
  | { readonly kind: 'write'; readonly position: number; readonly bytes: Buffer }
  | { readonly kind: 'truncate'; readonly length: number };

/** File contents that grow by doubling, so appends cost what they write. */
class Contents {
  private bytes = Buffer.alloc(256);
  length = 0;

  static of(buffer: Buffer): Contents {
    const contents = new Contents();
    contents.apply({ kind: 'write', position: 0, bytes: buffer });
    return contents;
  }

  view(): Buffer {
    return this.bytes.subarray(0, this.length);
  }

  copy(): Contents {
    return Contents.of(this.view());
  }

  apply(op: PendingOp): void {
    const end = op.kind === 'write' ? op.position + op.bytes.length : op.length;
    if (end > this.bytes.length) {
      // Unfilled: nothing past `length` is read before it is written or zeroed below.
      const grown = Buffer.allocUnsafe(Math.max(end, 2 * this.bytes.length));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    if (op.kind === 'truncate') {
      if (end > this.length) this.bytes.fill(0, this.length, end);
      this.length = end;
      return;
    }
    if (op.position > this.length) this.bytes.fill(0, this.length, op.position);
    op.bytes.copy(this.bytes, op.position);
    this.length = Math.max(this.length, end);
  }

  setByte(offset: number, value: number): void {
    if (offset < this.length) this.bytes[offset] = value;
  }

  byte(offset: number): number {
    return this.bytes[offset] as number;
  }
}

/** A file's contents: an inode, which a rename moves from one name to another. */
class Inode {
  durable = new Contents();
  data = new Contents();
  pending: PendingOp[] = [];
}

/**
 * An error as node:fs/promises rejects with: made in native code, so its stack is only the
 * message (capturing a JavaScript stack for every missing file the storage probes was 1% of
 * the simulation).
 */
function fsError(code: string, what: string): NodeJS.ErrnoException {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const error: NodeJS.ErrnoException = new Error(`${code}: ${what}`);
  Error.stackTraceLimit = limit;
  error.code = code;
  return error;
}

export class SimDisk implements Disk {
  private readonly files = new Map<string, Inode>();
  private readonly directories = new Set<string>(['/']);
  /** The process using the disk now: its operations finish as its events. */
  owner: Incarnation | null = null;
  fsyncs = 0;

  constructor(
    private readonly world: SimWorld,
    private readonly prng: Prng,
  ) {}

  /**
   * Resolves when the operation "finishes". Most finish within the event that issued them
   * (a crash comes between events, so they are done or never started); an fsync takes
   * `delayMs` of virtual time, and never finishes if its process dies meanwhile.
   */
  io(delayMs = 0): Promise<void> {
    if (delayMs === 0) return Promise.resolve();
    return new Promise((resolve) => this.world.after(delayMs, resolve, this.owner));
  }

  async open(path: string, mode: OpenMode): Promise<DiskFile> {
    await this.io();
    this.requireDirectory(dirname(path));
    let inode = this.files.get(path);
    if (mode === 'createNew' && inode !== undefined) throw fsError('EEXIST', path);
    if ((mode === 'read' || mode === 'readWrite') && inode === undefined) {
      throw fsError('ENOENT', path);
    }
    if (inode === undefined || mode === 'overwrite') {
      const fresh = inode ?? new Inode();
      const truncate = { kind: 'truncate' as const, length: 0 };
      if (inode !== undefined) fresh.pending.push(truncate);
      fresh.data.apply(truncate);
      inode = fresh;
      this.files.set(path, inode);
    }
    return new SimDiskFile(this, inode);
  }

  async readFile(path: string): Promise<Buffer> {
    await this.io();
    const inode = this.files.get(path);
    if (inode === undefined) throw fsError('ENOENT', path);
    return Buffer.from(inode.data.view());
  }

  async list(path: string): Promise<string[]> {
    await this.io();
    this.requireDirectory(path);
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const names = new Set<string>();
    for (const name of [...this.files.keys(), ...this.directories]) {
      if (name.startsWith(prefix) && name.length > prefix.length) {
        names.add(name.slice(prefix.length).split('/')[0] as string);
      }
    }
    return [...names].sort();
  }

  async makeDirectory(path: string): Promise<void> {
    await this.io();
    for (let dir = path; dir !== '/' && !this.directories.has(dir); dir = dirname(dir)) {
      this.directories.add(dir);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    await this.io();
    const inode = this.files.get(from);
    if (inode !== undefined) {
      this.requireDirectory(dirname(to));
      this.files.delete(from);
      this.files.set(to, inode);
      return;
    }
    if (!this.directories.has(from)) throw fsError('ENOENT', from);
    const moved = (name: string) => (name === from ? to : to + name.slice(from.length));
    for (const dir of [...this.directories]) {
      if (dir === from || dir.startsWith(`${from}/`)) {
        this.directories.delete(dir);
        this.directories.add(moved(dir));
      }
    }
    for (const [name, node] of [...this.files]) {
      if (name.startsWith(`${from}/`)) {
        this.files.delete(name);
        this.files.set(moved(name), node);
      }
    }
  }

  async remove(path: string): Promise<void> {
    await this.io();
    if (!this.files.delete(path)) throw fsError('ENOENT', path);
  }

  async syncDirectory(path: string): Promise<void> {
    await this.io();
    this.requireDirectory(path);
  }

  private requireDirectory(path: string): void {
    if (!this.directories.has(path)) throw fsError('ENOENT', path);
  }

  // ---- what the simulation does to the disk ----

  /** How long an fsync takes: mostly quick, now and then slow. */
  fsyncMs(): number {
    return this.prng.chance(0.05) ? this.prng.range(5, 50) : 0.1 + this.prng.next();
  }

  /** A power cut: each file keeps its durable contents plus a torn prefix of what was not. */
  crash(): { tornFiles: number } {
    let tornFiles = 0;
    for (const inode of this.files.values()) {
      const contents = inode.durable;
      const pending = inode.pending;
      if (pending.length > 0) {
        const kept = this.prng.int(pending.length + 1);
        for (const op of pending.slice(0, kept)) contents.apply(op);
        const next = pending[kept];
        if (next !== undefined && next.kind === 'write' && this.prng.chance(0.5)) {
          const cut = this.prng.int(next.bytes.length);
          contents.apply({ ...next, bytes: next.bytes.subarray(0, cut) });
          tornFiles++;
        }
        if (kept < pending.length) tornFiles++;
      }
      inode.data = contents.copy();
      inode.pending = [];
    }
    return { tornFiles };
  }

  /** Writes a whole file durably (set-up: myid, as an operator would). */
  writeDurable(path: string, text: string): void {
    for (let dir = dirname(path); dir !== '/'; dir = dirname(dir)) this.directories.add(dir);
    const inode = new Inode();
    inode.durable = Contents.of(Buffer.from(text));
    inode.data = Contents.of(Buffer.from(text));
    this.files.set(path, inode);
  }

  /** Paths of the files under `directory` whose name starts with `prefix`. */
  filesUnder(directory: string, prefix: string): string[] {
    return [...this.files.keys()]
      .filter(
        (path) =>
          dirname(path) === directory && path.slice(directory.length + 1).startsWith(prefix),
      )
      .sort();
  }

  size(path: string): number {
    return this.files.get(path)?.data.length ?? 0;
  }

  /** Flips one bit of a file, durably (a bad sector); returns the byte's old value. */
  flipBit(path: string, offset: number, bit: number): number {
    const inode = this.files.get(path);
    if (inode === undefined || offset >= inode.data.length) return -1;
    const old = inode.data.byte(offset);
    inode.data.setByte(offset, old ^ (1 << bit));
    inode.durable.setByte(offset, old ^ (1 << bit));
    return old;
  }

  /** Writes `value` back at `offset`, durably (the operator restored the byte). */
  restoreByte(path: string, offset: number, value: number): void {
    const inode = this.files.get(path);
    if (inode === undefined) return;
    inode.data.setByte(offset, value);
    inode.durable.setByte(offset, value);
  }
}

class SimDiskFile implements DiskFile {
  constructor(
    private readonly disk: SimDisk,
    private readonly inode: Inode,
  ) {}

  async writeAll(buffer: Buffer, position: number): Promise<void> {
    await this.disk.io();
    const op = { kind: 'write' as const, position, bytes: Buffer.from(buffer) };
    this.inode.data.apply(op);
    this.inode.pending.push(op);
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    await this.disk.io();
    const data = this.inode.data.view();
    if (position >= data.length) return 0;
    return data.copy(buffer, offset, position, Math.min(data.length, position + length));
  }

  async datasync(): Promise<void> {
    // What is durable is what the file held when the fsync began.
    // Until it returns, a crash may still tear them: they stay pending meanwhile.
    const inode = this.inode;
    const count = inode.pending.length;
    this.disk.fsyncs++;
    await this.disk.io(this.disk.fsyncMs());
    for (const op of inode.pending.slice(0, count)) inode.durable.apply(op);
    inode.pending = inode.pending.slice(count);
  }

  async truncate(length: number): Promise<void> {
    await this.disk.io();
    const op = { kind: 'truncate' as const, length };
    this.inode.data.apply(op);
    this.inode.pending.push(op);
  }

  async size(): Promise<number> {
    await this.disk.io();
    return this.inode.data.length;
  }

  async close(): Promise<void> {
    await this.disk.io();
  }
}
