/**
 * NodeCache: a local copy of one node's data and Stat (Curator's NodeCache), kept by a
 * persistent watch (addWatch, ZooKeeper 3.6+) and re-read after every reconnect, since
 * changes made while disconnected may have no event. Reads are serialized, so the copy only
 * moves forward. A session expiry ends the cache with an 'error' event.
 *
 *   const cache = new NodeCache(client, '/config/app');
 *   cache.on('changed', (node) => reload(node?.data));
 *   await cache.start();
 */
import { EventEmitter } from 'node:events';
import { NoNodeError, NoWatcherError, type Stat, type ZooKeeperClient } from '../client/index.js';
import { isConnectionLoss, retrying } from './nodes.js';
import { sessionEnded, sessionLostError } from './signals.js';

export interface CachedNode {
  data: Buffer | null;
  stat: Stat;
}

export type NodeCacheEvents = {
  /** The node was created, changed or (null) deleted. */
  changed: [CachedNode | null];
  error: [Error];
};

export class NodeCache extends EventEmitter<NodeCacheEvents> {
  private node: CachedNode | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly onConnected = (): void => this.refresh();
  private readonly onEnded = (): void => this.fail(sessionLostError(`node cache ${this.path}`));

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
  ) {
    super();
  }

  /** The cached node, or null when it does not exist. */
  get current(): CachedNode | null {
    return this.node;
  }

  /** Watches the node and loads it; resolves once the first copy is in. */
  async start(): Promise<void> {
    this.client.on('connected', this.onConnected);
    this.client.on('expired', this.onEnded).on('closed', this.onEnded);
    await retrying(
      () => this.client.addWatch(this.path, () => this.refresh(), { mode: 'persistent' }),
      `node cache ${this.path}`,
    );
    this.refresh();
    await this.chain;
  }

  /** Stops watching. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unlisten();
    if (sessionEnded(this.client)) return;
    await this.client.removeWatches(this.path, 'any').catch((error: unknown) => {
      if (!(error instanceof NoWatcherError) && !isConnectionLoss(error)) throw error;
    });
  }

  private unlisten(): void {
    this.client.off('connected', this.onConnected);
    this.client.off('expired', this.onEnded).off('closed', this.onEnded);
  }

  private refresh(): void {
    if (this.closed) return;
    this.chain = this.chain.then(() => this.load()).catch((error: unknown) => this.fail(error));
  }

  private async load(): Promise<void> {
    if (this.closed || this.client.state !== 'connected') return;
    const read = await this.client.getData(this.path).catch((error: unknown) => {
      if (error instanceof NoNodeError) return null;
      throw error;
    });
    const before = this.node;
    if (read === null && before === null) return;
    if (read !== null && before !== null && read.stat.mzxid === before.stat.mzxid) return;
    this.node = read;
    this.emit('changed', read);
  }

  private fail(error: unknown): void {
    if (this.closed || isConnectionLoss(error)) return; // a reconnect refreshes again
    if (sessionEnded(this.client)) {
      this.closed = true;
      this.unlisten();
    }
    if (this.listenerCount('error') > 0) this.emit('error', error as Error);
  }
}
