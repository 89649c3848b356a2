/**
 * ServiceProvider: one service's instances kept current by a ChildrenCache on the registry
 * node, and a strategy to pick one per call: 'random' or 'roundRobin' (Curator's
 * ServiceProvider). It survives session expiry (the cache rebuilds on a new client).
 */
import type { ZooKeeperClient } from '../client/index.js';
import { ChildrenCache } from './children-cache.js';
import { decodeInstance, type ServiceInstance } from './service-instance.js';

export interface ServiceProviderOptions {
  /** How getInstance() picks (default 'roundRobin'). */
  strategy?: 'random' | 'roundRobin';
}

export class ServiceProvider<P = unknown> {
  private readonly cache: ChildrenCache;
  private next = 0;

  constructor(
    connect: () => Promise<ZooKeeperClient>,
    readonly path: string,
    private readonly options: ServiceProviderOptions = {},
  ) {
    this.cache = new ChildrenCache(connect, path);
  }

  /** Loads the instances and starts watching them. */
  start(): Promise<void> {
    return this.cache.start();
  }

  /** Every instance now, sorted by id. */
  getAllInstances(): ServiceInstance<P>[] {
    const out: ServiceInstance<P>[] = [];
    for (const id of [...this.cache.current.keys()].sort()) {
      const instance = decodeInstance<P>(this.cache.current.get(id)?.data ?? null);
      if (instance !== undefined) out.push(instance);
    }
    return out;
  }

  /** One instance by the strategy, or undefined when there is none. */
  getInstance(): ServiceInstance<P> | undefined {
    const all = this.getAllInstances();
    if (all.length === 0) return undefined;
    if (this.options.strategy === 'random') return all[Math.floor(Math.random() * all.length)];
    const index = this.next % all.length;
    this.next = (index + 1) % Number.MAX_SAFE_INTEGER;
    return all[index];
  }

  /** Called with every change of the instance list. */
  onChange(listener: () => void): () => void {
    this.cache.on('added', listener).on('updated', listener).on('removed', listener);
    return () => {
      this.cache.off('added', listener).off('updated', listener).off('removed', listener);
    };
  }

  async close(): Promise<void> {
    await this.cache.close();
  }
}
