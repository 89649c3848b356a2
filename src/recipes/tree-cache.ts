/**
 * TreeCache: a local mirror of a subtree, data and Stat included (Curator's TreeCache). It
 * uses one persistent recursive watch (addWatch, ZooKeeper 3.6+) where the server has it and
 * falls back to one-shot data and children watches on every node otherwise. Events say which
 * node was added, updated or removed; `maxDepth` bounds the mirror (0 = the root only). After
 * every reconnect the whole tree is re-read, since changes made while disconnected may have no
 * event. Given a client factory it survives session expiry by rebuilding on a new client;
 * given a client, an expiry ends it with an 'error' event.
 *
 *   const cache = new TreeCache(client, '/config', { maxDepth: 2 });
 *   cache.on('updated', (node) => reload(node.path, node.data));
 *   await cache.start(); // cache.get('/config/db'), cache.childrenOf('/config')
 */
import { EventEmitter } from 'node:events';
import {
  NoNodeError,
  UnimplementedError,
  type Stat,
  type WatchedEvent,
  type ZooKeeperClient,
} from '../client/index.js';
import { judgeFailure, untilInitialized } from './cache-failure.js';
import { FACTORY_RETRY_DELAY_MS, CACHE_REFRESH_QUEUE_MAX } from './limits.js';
import { retrying } from './nodes.js';
import { RefreshQueue } from './refresh-queue.js';
import { sessionLostError } from './signals.js';
import { SessionHolder, type ClientSource } from './session-holder.js';
import { TreeIndex, type TreeNodeData } from './tree-index.js';

export type { TreeNodeData } from './tree-index.js';

export interface TreeCacheOptions {
  /** Deepest level mirrored below the root (0 = the root only; default: no limit). */
  maxDepth?: number;
  /** Keep each node's data (default true); false keeps only the Stat. */
  cacheData?: boolean;
  /** 'auto' (default): a recursive watch, or one-shot watches if the server lacks addWatch. */
  watchMode?: 'auto' | 'recursive' | 'oneShot';
}

export type TreeCacheEvents = {
  added: [TreeNodeData];
  updated: [TreeNodeData];
  removed: [TreeNodeData];
  /** The first full load is in (once). */
  initialized: [];
  error: [Error];
};

export class TreeCache extends EventEmitter<TreeCacheEvents> {
  private readonly tree: TreeIndex;
  private readonly holder: SessionHolder;
  private readonly queue: RefreshQueue;
  private readonly maxDepth: number;
  private mode: 'recursive' | 'oneShot';
  private recursiveArmed = false;
  private readonly dataArmed = new Set<string>();
  private readonly childArmed = new Set<string>();
  private existsArmed = false;
  private initialized = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    source: ClientSource,
    readonly path: string,
    private readonly options: TreeCacheOptions = {},
  ) {
    super();
    this.maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
    this.mode = options.watchMode === 'oneShot' ? 'oneShot' : 'recursive';
    this.tree = new TreeIndex(path, {
      added: (n) => this.emit('added', n),
      updated: (n) => this.emit('updated', n),
      removed: (n) => this.emit('removed', n),
    });
    this.holder = new SessionHolder(source, {
      connected: () => this.queue.markAll(),
      ended: () => this.sessionEnded(),
    });
    this.queue = new RefreshQueue(CACHE_REFRESH_QUEUE_MAX, {
      one: (key) => this.refreshFrom(key, false),
      all: () => this.refreshAll(),
      usable: () => this.holder.current?.state === 'connected',
      failed: (error) => this.fail(error),
    });
  }

  /** The watch mode in use: 'recursive' (one persistent watch) or 'oneShot'. */
  get watchMode(): 'recursive' | 'oneShot' {
    return this.mode;
  }

  /** The cached node at a full path, if mirrored. */
  get(path: string): TreeNodeData | undefined {
    return this.tree.get(path);
  }

  /** The names of a cached node's children (sorted), or undefined if it is not mirrored. */
  childrenOf(path: string): string[] | undefined {
    return this.tree.childrenOf(path);
  }

  /** Every mirrored node's path. */
  paths(): string[] {
    return this.tree.paths();
  }

  /** The client in use (a factory's clients change after expiry). */
  get client(): ZooKeeperClient | undefined {
    return this.holder.current;
  }

  /** Loads the subtree and starts watching; resolves once the first copy is in. */
  async start(): Promise<void> {
    await this.holder.get();
    this.queue.markAll();
    await this.queue.idle();
    await untilInitialized(
      this,
      () => this.initialized,
      () => this.closed,
    );
  }

  /** Stops watching and closes the client if the cache made it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.queue.stop();
    const client = this.holder.current;
    if (this.recursiveArmed && client?.state === 'connected' && !this.holder.owns) {
      await client.removeWatches(this.path, 'any').catch(() => undefined);
    }
    await this.holder.close();
  }

  private watcher(onFire: (event: WatchedEvent) => void): (event: WatchedEvent) => void {
    const generation = this.holder.generation;
    return (event) => {
      if (this.closed || generation !== this.holder.generation) return;
      onFire(event);
    };
  }

  private async refreshAll(): Promise<void> {
    const client = await this.holder.get();
    if (this.mode === 'recursive' && !this.recursiveArmed) await this.armRecursive(client);
    await this.refreshFrom(this.path, true);
    if (!this.initialized && !this.closed) {
      this.initialized = true;
      this.emit('initialized');
    }
  }

  private async armRecursive(client: ZooKeeperClient): Promise<void> {
    const listener = this.watcher((event) => {
      if (this.tree.depthOf(event.path) <= this.maxDepth) this.queue.mark(event.path);
    });
    try {
      await retrying(
        () => client.addWatch(this.path, listener, { mode: 'persistentRecursive' }),
        `tree cache ${this.path}`,
      );
      this.recursiveArmed = true;
    } catch (error) {
      if (!(error instanceof UnimplementedError) || this.options.watchMode === 'recursive') {
        throw error;
      }
      this.mode = 'oneShot';
    }
  }

  /** Reads `start` and (depth first) its subtree: new nodes, or every node when `all`. */
  private async refreshFrom(start: string, all: boolean): Promise<void> {
    const parent = this.tree.parentOf(start);
    if (parent !== undefined && this.tree.get(parent) === undefined) {
      this.queue.mark(parent); // a node is loaded after its parent
      return;
    }
    const stack = [start];
    for (let path = stack.pop(); path !== undefined; path = stack.pop()) {
      if (this.closed) return;
      const children = await this.loadNode(path);
      for (const child of children)
        if (all || this.tree.get(child) === undefined) stack.push(child);
    }
  }

  /** Reads one node and its children list; returns the children's full paths. */
  private async loadNode(path: string): Promise<string[]> {
    const client = await this.holder.get();
    const depth = this.tree.depthOf(path);
    if (this.closed || depth > this.maxDepth) return [];
    const oneShot = this.mode === 'oneShot';
    const dataWatch =
      oneShot && !this.dataArmed.has(path)
        ? this.watcher(() => (this.dataArmed.delete(path), this.queue.mark(path)))
        : undefined;
    // Armed before the call: the watch may fire before the reply's continuation runs.
    if (dataWatch !== undefined) this.dataArmed.add(path);
    const read = await this.read(client, path, dataWatch).catch((error: unknown) => {
      if (dataWatch !== undefined) this.dataArmed.delete(path);
      throw error;
    });
    if (read === null) {
      // getData on a missing node sets no watch (exists does: it fires on re-creation).
      if (dataWatch !== undefined && this.options.cacheData !== false) this.dataArmed.delete(path);
      this.tree.removeSubtree(path);
      if (path === this.path && oneShot) await this.watchCreation(client);
      return [];
    }
    this.tree.upsert(path, read.data, read.stat);
    if (depth >= this.maxDepth) return [];
    const childWatch =
      oneShot && !this.childArmed.has(path)
        ? this.watcher(() => (this.childArmed.delete(path), this.queue.mark(path)))
        : undefined;
    if (childWatch !== undefined) this.childArmed.add(path);
    const names = await client.getChildren(path, { watch: childWatch }).catch((e: unknown) => {
      if (childWatch !== undefined) this.childArmed.delete(path);
      if (e instanceof NoNodeError) return null;
      throw e;
    });
    if (names === null) {
      this.tree.removeSubtree(path);
      return [];
    }
    return this.tree.setChildren(path, names);
  }

  private async watchCreation(client: ZooKeeperClient): Promise<void> {
    if (this.existsArmed) return;
    const watch = this.watcher(() => ((this.existsArmed = false), this.queue.markAll()));
    this.existsArmed = true;
    const stat = await client.exists(this.path, { watch }).catch((error: unknown) => {
      this.existsArmed = false;
      throw error;
    });
    if (stat !== null) this.queue.markAll();
  }

  private async read(
    client: ZooKeeperClient,
    path: string,
    watch: ((event: WatchedEvent) => void) | undefined,
  ): Promise<{ data: Buffer | null; stat: Stat } | null> {
    if (this.options.cacheData === false) {
      const stat = await client.exists(path, { watch });
      return stat === null ? null : { data: null, stat };
    }
    return client.getData(path, { watch }).catch((error: unknown) => {
      if (error instanceof NoNodeError) return null;
      throw error;
    });
  }

  private sessionEnded(): void {
    if (this.closed) return;
    this.recursiveArmed = false;
    this.existsArmed = false;
    this.dataArmed.clear();
    this.childArmed.clear();
    if (!this.holder.owns) return this.fail(sessionLostError(`tree cache ${this.path}`));
    this.queue.markAll();
  }

  private fail(error: unknown): void {
    if (this.closed) return;
    // The factory failed (no client): nothing will reconnect, so try again after a pause.
    if (this.holder.owns && this.holder.current === undefined) this.retryLater();
    const verdict = judgeFailure(error, this.holder.owns, `tree cache ${this.path}`);
    if (verdict.kind === 'ignore') return;
    if (verdict.kind === 'fatal') {
      this.closed = true;
      this.queue.stop();
    }
    if (this.listenerCount('error') > 0) this.emit('error', verdict.error);
  }

  /** Tries the whole load again after a pause. */
  private retryLater(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.queue.markAll(), FACTORY_RETRY_DELAY_MS);
  }
}
