/**
 * SharedCounter: an integer shared by every client (Curator's SharedCount and
 * DistributedAtomicLong), stored as decimal text and changed through AtomicValue's
 * compare-and-set, so each add() is applied exactly once, also across connection losses.
 *
 *   const hits = new SharedCounter(client, '/stats/hits');
 *   const now = await hits.add(1);
 */
import type { ZooKeeperClient } from '../client/index.js';
import { AtomicValue } from './atomic-value.js';

function parse(value: Buffer | null): number {
  const n = Number(value?.toString('utf8') ?? '0');
  if (!Number.isSafeInteger(n)) throw new RangeError(`counter holds ${String(value)}`);
  return n;
}

export class SharedCounter {
  private readonly value: AtomicValue;

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    initial = 0,
  ) {
    this.value = new AtomicValue(client, path, String(initial));
  }

  async get(): Promise<number> {
    return parse((await this.value.get()).value);
  }

  /** Adds `delta` (may be negative); resolves with the counter's new value. */
  async add(delta: number): Promise<number> {
    if (!Number.isSafeInteger(delta)) throw new RangeError(`add: ${delta} is not an integer`);
    const { after } = await this.value.update((current) => String(parse(current) + delta));
    return parse(after);
  }

  increment(): Promise<number> {
    return this.add(1);
  }

  decrement(): Promise<number> {
    return this.add(-1);
  }

  /** Sets the value if its version is still `version`; false when it moved on. */
  async trySet(version: number, value: number): Promise<boolean> {
    return this.value.compareAndSet(version, String(value));
  }

  /** The value with its version, for trySet. */
  async getVersioned(): Promise<{ value: number; version: number }> {
    const { value, version } = await this.value.get();
    return { value: parse(value), version };
  }
}
