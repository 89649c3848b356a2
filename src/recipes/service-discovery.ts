/**
 * ServiceDiscovery: register service instances and find them (Curator's ServiceDiscovery).
 * An instance is an ephemeral node `<base>/<name>/<id>` holding JSON {name, id, address, port,
 * payload}; it is a PersistentEphemeralNode, so it stays while this process runs, through
 * reconnects and session expiries. getInstances() reads the registry; a ServiceProvider keeps
 * one service's instances in a ChildrenCache and picks one at random or round-robin.
 * Clients come from the factory you pass: one per registration, one for queries, one per
 * provider; each survives session expiry.
 *
 *   const discovery = new ServiceDiscovery(() => createClient(hosts).connect(), '/services');
 *   await discovery.register({ name: 'api', id: 'host-1', address: '10.0.0.5', port: 8080 });
 *   const provider = discovery.provider('api', { strategy: 'roundRobin' });
 *   await provider.start();
 *   const target = provider.getInstance();
 */
import { NoNodeError, type ZooKeeperClient } from '../client/index.js';
import { checkNodeName, ensurePath, retrying } from './nodes.js';
import { PersistentEphemeralNode } from './persistent-ephemeral-node.js';
import { RecipeError } from './recipe-errors.js';
import { decodeInstance, encodeInstance, type ServiceInstance } from './service-instance.js';
import { ServiceProvider, type ServiceProviderOptions } from './service-provider.js';
import { SessionHolder } from './session-holder.js';

export class ServiceDiscovery {
  private readonly registered = new Map<string, PersistentEphemeralNode>();
  private readonly queries: SessionHolder;
  private closed = false;

  constructor(
    private readonly connect: () => Promise<ZooKeeperClient>,
    readonly basePath: string,
  ) {
    this.queries = new SessionHolder(connect, {
      connected: () => undefined,
      ended: () => undefined,
    });
  }

  /** Registers an instance; resolves once its node exists. Re-registering replaces it. */
  async register(instance: ServiceInstance): Promise<void> {
    this.checkOpen();
    const data = encodeInstance(instance);
    const key = `${instance.name}/${instance.id}`;
    await this.registered.get(key)?.close();
    const node = new PersistentEphemeralNode(this.connect, `${this.basePath}/${key}`, data);
    this.registered.set(key, node);
    await node.start();
  }

  /** Removes an instance this process registered; false if it had not. */
  async unregister(name: string, id: string): Promise<boolean> {
    const key = `${name}/${id}`;
    const node = this.registered.get(key);
    if (node === undefined) return false;
    this.registered.delete(key);
    await node.close();
    return true;
  }

  /** The names of every service with a registry node. */
  async queryForNames(): Promise<string[]> {
    const client = await this.queryClient();
    const names = await retrying(() => client.getChildren(this.basePath), 'service names').catch(
      (error: unknown) => {
        if (error instanceof NoNodeError) return [];
        throw error;
      },
    );
    return names.sort();
  }

  /** The instances of a service now, sorted by id (nodes that are not instances are skipped). */
  async getInstances<P = unknown>(name: string): Promise<ServiceInstance<P>[]> {
    checkNodeName(name, 'service name');
    const client = await this.queryClient();
    const dir = `${this.basePath}/${name}`;
    const ids = await retrying(() => client.getChildren(dir), 'service instances').catch(
      (error: unknown) => {
        if (error instanceof NoNodeError) return [];
        throw error;
      },
    );
    const out: ServiceInstance<P>[] = [];
    for (const id of ids.sort()) {
      const read = await retrying(() => client.getData(`${dir}/${id}`), 'instance').catch(
        (error: unknown) => {
          if (error instanceof NoNodeError) return undefined;
          throw error;
        },
      );
      const instance = read === undefined ? undefined : decodeInstance<P>(read.data);
      if (instance !== undefined) out.push(instance);
    }
    return out;
  }

  /** A provider of one service's instances (call start() on it, and close() when done). */
  provider<P = unknown>(name: string, opts: ServiceProviderOptions = {}): ServiceProvider<P> {
    checkNodeName(name, 'service name');
    return new ServiceProvider<P>(this.connect, `${this.basePath}/${name}`, opts);
  }

  /** Unregisters everything this process registered and closes the query client. */
  async close(): Promise<void> {
    this.closed = true;
    const nodes = [...this.registered.values()];
    this.registered.clear();
    await Promise.all(nodes.map((n) => n.close()));
    await this.queries.close();
  }

  private async queryClient(): Promise<ZooKeeperClient> {
    this.checkOpen();
    const client = await this.queries.get();
    await ensurePath(client, this.basePath);
    return client;
  }

  private checkOpen(): void {
    if (this.closed) throw new RecipeError('WARREN_RECIPE_ABORTED', 'service discovery closed');
  }
}
