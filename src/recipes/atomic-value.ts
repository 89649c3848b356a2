/**
 * AtomicValue: a byte value in one node, changed only by versioned compare-and-set
 * (Curator's DistributedAtomicValue). Each set is a transaction that also creates an
 * ephemeral marker child with a fresh name, so after a connection loss the marker says
 * whether the set ran: an update is applied exactly once, never twice, never silently lost.
 * (After a session expiry the outcome of the set in flight is unknown; it rejects.)
 *
 *   const value = new AtomicValue(client, '/config/limit');
 *   const { after } = await value.update((current) => next(current));
 */
import { randomUUID } from 'node:crypto';
import { NodeExistsError, TransactionError, type ZooKeeperClient } from '../client/index.js';
import { CAS_ATTEMPTS_MAX, CONNECTION_LOSS_RETRIES_MAX } from './limits.js';
import { deleteIfExists, ensurePath, isConnectionLoss, retrying } from './nodes.js';
import { RecipeError } from './recipe-errors.js';

export const CAS_MARKER_PREFIX = '_cas_';

export interface VersionedValue {
  value: Buffer | null;
  version: number;
}

export interface UpdateResult {
  before: Buffer | null;
  after: Buffer;
  /** The node's version after the update. */
  version: number;
}

export class AtomicValue {
  private ready = false;

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    private readonly initial: Buffer | string | null = null,
  ) {}

  /** The value and its version (the node is created with the initial value if missing). */
  async get(): Promise<VersionedValue> {
    await this.ensure();
    const { data, stat } = await retrying(() => this.client.getData(this.path), 'atomic get');
    return { value: data, version: stat.version };
  }

  /** Sets the value if the node's version is still `version`; false when it moved on. */
  async compareAndSet(version: number, value: Buffer | string): Promise<boolean> {
    await this.ensure();
    const marker = `${this.path}/${CAS_MARKER_PREFIX}${randomUUID()}`;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client
          .transaction()
          .setData(this.path, value, version)
          .create(marker, { mode: 'ephemeral' })
          .commit();
        await deleteIfExists(this.client, marker);
        return true;
      } catch (error) {
        if (error instanceof TransactionError) return false;
        if (!isConnectionLoss(error) || attempt >= CONNECTION_LOSS_RETRIES_MAX) throw error;
      }
      // sync first: the transaction sent on the lost connection may still be in flight.
      await retrying(() => this.client.sync(this.path), 'atomic set');
      if ((await retrying(() => this.client.exists(marker), 'atomic set')) !== null) {
        await deleteIfExists(this.client, marker);
        return true;
      }
      const { version: now } = await this.get();
      if (now !== version) return false;
    }
  }

  /** Reads, computes the next value and compare-and-sets, again until it wins. */
  async update(next: (current: Buffer | null) => Buffer | string): Promise<UpdateResult> {
    for (let attempt = 1; attempt <= CAS_ATTEMPTS_MAX; attempt++) {
      const { value, version } = await this.get();
      const computed = next(value);
      const after = typeof computed === 'string' ? Buffer.from(computed) : computed;
      if (await this.compareAndSet(version, after)) {
        return { before: value, after, version: version + 1 };
      }
    }
    throw new RecipeError(
      'WARREN_RECIPE_RETRIES_EXHAUSTED',
      `atomic value ${this.path}: lost ${CAS_ATTEMPTS_MAX} compare-and-sets in a row; ` +
        'contention is too high for one node, shard the value',
    );
  }

  private async ensure(): Promise<void> {
    if (this.ready) return;
    const parent = this.path.slice(0, this.path.lastIndexOf('/'));
    if (parent !== '') await ensurePath(this.client, parent);
    await retrying(async () => {
      await this.client.create(this.path, { data: this.initial }).catch((error: unknown) => {
        if (!(error instanceof NodeExistsError)) throw error;
      });
    }, `atomic value ${this.path}`);
    this.ready = true;
  }
}
