/**
 * A Disk wrapper that fails chosen operations the way the kernel does (ENOSPC on write, EIO on
 * fsync), so tests can drive the WAL's failure and recovery paths on a real file system. A
 * write fault can first write a prefix of the buffer, like a write that ran out of space
 * halfway. The simulator's crash-and-tear disk is a separate implementation of Disk.
 */
import { assert } from '../util/assert.js';
import type { Disk, DiskFile, OpenMode } from './disk.js';

export type FaultOperation = 'write' | 'datasync' | 'syncDirectory' | 'open' | 'truncate';

export interface Fault {
  operation: FaultOperation;
  /** errno code of the thrown error, e.g. ENOSPC or EIO. */
  code: string;
  /** How many calls fail before the fault clears itself; Infinity until clearFaults. */
  times: number;
  /** For writes: bytes written before failing. */
  partialBytes?: number;
}

export class FaultyDisk implements Disk {
  private faults: Fault[] = [];
  /** Calls per operation, including failed ones, so tests can see what was attempted. */
  readonly calls: Record<FaultOperation, number> = {
    write: 0,
    datasync: 0,
    syncDirectory: 0,
    open: 0,
    truncate: 0,
  };

  constructor(private readonly inner: Disk) {}

  inject(fault: Fault): void {
    assert(fault.times > 0, 'a fault must fire at least once');
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Counts the call, then throws if a fault is armed for it (after any partial write). */
  async hit(
    operation: FaultOperation,
    partialWrite?: (bytes: number) => Promise<void>,
  ): Promise<void> {
    this.calls[operation] += 1;
    const fault = this.faults.find((candidate) => candidate.operation === operation);
    if (fault === undefined) return;
    fault.times -= 1;
    if (fault.times <= 0) this.faults = this.faults.filter((candidate) => candidate !== fault);
    if (partialWrite !== undefined && (fault.partialBytes ?? 0) > 0) {
      await partialWrite(fault.partialBytes ?? 0);
    }
    const error: NodeJS.ErrnoException = new Error(`${fault.code}: injected ${operation} fault`);
    error.code = fault.code;
    error.syscall = operation;
    throw error;
  }

  async open(path: string, mode: OpenMode): Promise<DiskFile> {
    await this.hit('open');
    return new FaultyDiskFile(this, await this.inner.open(path, mode));
  }

  readFile(path: string): Promise<Buffer> {
    return this.inner.readFile(path);
  }

  list(path: string): Promise<string[]> {
    return this.inner.list(path);
  }

  makeDirectory(path: string): Promise<void> {
    return this.inner.makeDirectory(path);
  }

  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }

  remove(path: string): Promise<void> {
    return this.inner.remove(path);
  }

  async syncDirectory(path: string): Promise<void> {
    await this.hit('syncDirectory');
    await this.inner.syncDirectory(path);
  }
}

class FaultyDiskFile implements DiskFile {
  constructor(
    private readonly disk: FaultyDisk,
    private readonly inner: DiskFile,
  ) {}

  async writeAll(buffer: Buffer, position: number): Promise<void> {
    await this.disk.hit('write', (bytes) =>
      this.inner.writeAll(buffer.subarray(0, Math.min(bytes, buffer.length)), position),
    );
    await this.inner.writeAll(buffer, position);
  }

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.inner.read(buffer, offset, length, position);
  }

  async datasync(): Promise<void> {
    await this.disk.hit('datasync');
    await this.inner.datasync();
  }

  async truncate(length: number): Promise<void> {
    await this.disk.hit('truncate');
    await this.inner.truncate(length);
  }

  size(): Promise<number> {
    return this.inner.size();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
