/**
 * ChildrenCache: a local map of a node's children with their data and Stat (Curator's
 * PathChildrenCache). A children watch on the parent and a data watch per child keep it
 * current; events say what was added, updated or removed. After every reconnect the whole
 * list is re-read, since changes made while disconnected may have no event. Given a client
 * factory instead of a client, it survives session expiry: it makes a new client and rebuilds
 * (emitting the differences); given a client, an expiry ends it with an 'error' event.
 *
 *   const cache = new ChildrenCache(client, '/workers');
 *   cache.on('added', (child) => console.log('joined', child.name));
 *   await cache.start(); // cache.current: ReadonlyMap<name, ChildData>
 */
import { EventEmitter } from 'node:events';
import { NoNodeError, type Stat, type ZooKeeperClient } from '../client/index.js';
import { judgeFailure, untilInitialized } from './cache-failure.js';
import { FACTORY_RETRY_DELAY_MS, CACHE_REFRESH_QUEUE_MAX } from './limits.js';
import { RefreshQueue } from './refresh-queue.js';
import { sessionLostError } from './signals.js';
import { SessionHolder, type ClientSource } from './session-holder.js';

export interface ChildData {
  /** Full path of the child. */
  readonly path: string;
  /** Name under the parent. */
  readonly name: string;
  /** The child's data; null when cacheData is false (or the node has none). */
  readonly data: Buffer | null;
  readonly stat: Stat;
}

export interface ChildrenCacheOptions {
  /** Keep each child's data (default true); false keeps only the Stat. */
  cacheData?: boolean;
}

export type ChildrenCacheEvents = {
  added: [ChildData];
  updated: [ChildData];
  removed: [ChildData];
  /** The first full load is in (once). */
  initialized: [];
  error: [Error];
};

/** The refresh queue's key for re-listing the parent (never a child's name: has a '/'). */
const LIST = '/list';

export class ChildrenCache extends EventEmitter<ChildrenCacheEvents> {
  private readonly children = new Map<string, ChildData>();
  private readonly holder: SessionHolder;
  private readonly queue: RefreshQueue;
  private readonly dataArmed = new Set<string>();
  private listArmed = false;
  private existsArmed = false;
  private initialized = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    source: ClientSource,
    readonly path: string,
    private readonly options: ChildrenCacheOptions = {},
  ) {
    super();
    this.holder = new SessionHolder(source, {
      connected: () => this.queue.markAll(),
      ended: () => this.sessionEnded(),
    });
    this.queue = new RefreshQueue(CACHE_REFRESH_QUEUE_MAX, {
      one: (key) => (key === LIST ? this.list(false) : this.loadChild(key)),
      all: () => this.list(true),
      usable: () => this.holder.current?.state === 'connected',
      failed: (error) => this.fail(error),
    });
  }

  /** The cached children by name. */
  get current(): ReadonlyMap<string, ChildData> {
    return this.children;
  }

  /** The client in use (a factory's clients change after expiry). */
  get client(): ZooKeeperClient | undefined {
    return this.holder.current;
  }

  /** Loads the children and starts watching; resolves once the first copy is in. */
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

  /** Stops watching (late watch events are ignored); the map keeps its last contents. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.queue.stop();
    await this.holder.close();
  }

  private watcher(onFire: () => void): () => void {
    const generation = this.holder.generation;
    return () => {
      if (this.closed || generation !== this.holder.generation) return;
      onFire();
    };
  }

  private async list(reloadAll: boolean): Promise<void> {
    const client = await this.holder.get();
    if (this.closed) return;
    const watch = this.listArmed
      ? undefined
      : this.watcher(() => ((this.listArmed = false), this.queue.mark(LIST)));
    // Armed before the call: the watch may fire before the reply's continuation runs.
    if (watch !== undefined) this.listArmed = true;
    const names = await client.getChildren(this.path, { watch }).catch((error: unknown) => {
      if (watch !== undefined) this.listArmed = false;
      if (error instanceof NoNodeError) return null;
      throw error;
    });
    if (names === null) {
      for (const name of [...this.children.keys()]) this.remove(name);
      await this.watchCreation(client);
    } else {
      const present = new Set(names);
      for (const name of [...this.children.keys()]) if (!present.has(name)) this.remove(name);
      for (const name of names) {
        if (reloadAll || !this.children.has(name)) await this.loadChild(name);
      }
    }
    if (reloadAll && !this.initialized) {
      this.initialized = true;
      this.emit('initialized');
    }
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

  private async loadChild(name: string): Promise<void> {
    const client = await this.holder.get();
    if (this.closed) return;
    const path = `${this.path}/${name}`;
    const armed = this.dataArmed.has(name);
    const watch = armed
      ? undefined
      : this.watcher(() => (this.dataArmed.delete(name), this.queue.mark(name)));
    if (watch !== undefined) this.dataArmed.add(name);
    const read = await this.read(client, path, watch).catch((error: unknown) => {
      if (watch !== undefined) this.dataArmed.delete(name);
      throw error;
    });
    if (read === null) {
      // getData on a missing node sets no watch (exists does: it fires on re-creation).
      if (watch !== undefined && this.options.cacheData !== false) this.dataArmed.delete(name);
      return this.remove(name);
    }
    const before = this.children.get(name);
    if (before !== undefined && before.stat.mzxid === read.stat.mzxid) {
      if (before.stat.czxid === read.stat.czxid && before.stat.cversion === read.stat.cversion) {
        return;
      }
    }
    const child: ChildData = { path, name, data: read.data, stat: read.stat };
    this.children.set(name, child);
    this.emit(before === undefined ? 'added' : 'updated', child);
  }

  private async read(
    client: ZooKeeperClient,
    path: string,
    watch: (() => void) | undefined,
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

  private remove(name: string): void {
    const child = this.children.get(name);
    if (child === undefined) return;
    this.children.delete(name);
    this.emit('removed', child);
  }

  private sessionEnded(): void {
    if (this.closed) return;
    this.listArmed = false;
    this.existsArmed = false;
    this.dataArmed.clear();
    if (!this.holder.owns) return this.fail(sessionLostError(`children cache ${this.path}`));
    this.queue.markAll();
  }

  private fail(error: unknown): void {
    if (this.closed) return;
    // The factory failed (no client): nothing will reconnect, so try again after a pause.
    if (this.holder.owns && this.holder.current === undefined) this.retryLater();
    const verdict = judgeFailure(error, this.holder.owns, `children cache ${this.path}`);
    if (verdict.kind === 'ignore') return;
    if (verdict.kind === 'fatal') {
      this.closed = true;
      this.queue.stop();
    }
    if (this.listenerCount('error') > 0) this.emit('error', verdict.error);
  }

  /** The factory failed: try again after a pause. */
  private retryLater(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.queue.markAll(), FACTORY_RETRY_DELAY_MS);
  }
}
