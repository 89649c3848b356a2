/**
 * ReadWriteLock: many readers or one writer (ZooKeeper's shared-lock recipe, Curator's
 * InterProcessReadWriteLock). Readers and writers queue under one path with ephemeral-
 * sequential nodes named `read-` and `write-`; a writer waits on its predecessor, a reader on
 * the last writer ahead of it, so a release wakes only those it blocked. Grants, fencing
 * tokens, timeouts and loss signals work as for Lock.
 *
 *   const rw = new ReadWriteLock(client, '/locks/catalog');
 *   await rw.readLock.acquire(); try { read(); } finally { await rw.readLock.release(); }
 */
import type { ZooKeeperClient } from '../client/index.js';
import { Lock, type LockOptions } from './lock.js';
import { retrying, sequenceOf } from './nodes.js';

export const READ_NODE_NAME = 'read-';
export const WRITE_NODE_NAME = 'write-';

async function rwContenders(client: ZooKeeperClient, path: string): Promise<string[]> {
  const children = await retrying(() => client.getChildren(path), `getChildren ${path}`);
  return children
    .filter((c) => c.includes(READ_NODE_NAME) || c.includes(WRITE_NODE_NAME))
    .filter((c) => !Number.isNaN(sequenceOf(c)))
    .sort((a, b) => sequenceOf(a) - sequenceOf(b));
}

class WriteLock extends Lock {
  protected override readonly nodeName = WRITE_NODE_NAME;

  protected override contenders(): Promise<string[]> {
    return rwContenders(this.client, this.path);
  }
}

class ReadLock extends Lock {
  protected override readonly nodeName = READ_NODE_NAME;

  protected override contenders(): Promise<string[]> {
    return rwContenders(this.client, this.path);
  }

  protected override blockerOf(contenders: readonly string[], index: number): string | undefined {
    for (let i = index - 1; i >= 0; i--) {
      const name = contenders[i];
      if (name?.includes(WRITE_NODE_NAME) === true) return name;
    }
    return undefined;
  }
}

export class ReadWriteLock {
  /** Shared: held by many readers at once, never with the writer. */
  readonly readLock: Lock;
  /** Exclusive. */
  readonly writeLock: Lock;

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    options: LockOptions = {},
  ) {
    this.readLock = new ReadLock(client, path, options);
    this.writeLock = new WriteLock(client, path, options);
  }
}
