/**
 * PersistentEphemeralNode: an ephemeral node that stays (Curator's PersistentNode in
 * EPHEMERAL mode). An exists watch re-creates it when deleted, every reconnect checks it, and
 * after a session expiry a new client from the factory re-creates it. Use it for service
 * registration and group membership.
 *
 *   const node = new PersistentEphemeralNode(
 *     () => createClient(hosts).connect(), '/services/api/host-1', JSON.stringify(endpoint));
 *   await node.start();
 */
import { EventEmitter } from 'node:events';
import { NodeExistsError, type ZooKeeperClient } from '../client/index.js';
import { FACTORY_RETRY_DELAY_MS } from './limits.js';
import { ensurePath, isConnectionLoss, retrying } from './nodes.js';
import { RecipeError } from './recipe-errors.js';

export type PersistentEphemeralNodeEvents = {
  /** The node was (re-)created, by this client's session. */
  created: [string];
  error: [Error];
};

export class PersistentEphemeralNode extends EventEmitter<PersistentEphemeralNodeEvents> {
  private current: ZooKeeperClient | undefined;
  private closed = false;
  private chain: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly onConnected = (): void => this.check();
  private readonly onExpired = (): void => this.renew();

  constructor(
    private readonly connect: () => Promise<ZooKeeperClient>,
    readonly path: string,
    readonly data: Buffer | string = '',
  ) {
    super();
  }

  /** The client whose session owns the node now. */
  get client(): ZooKeeperClient | undefined {
    return this.current;
  }

  /** Connects and creates the node; resolves once it exists. */
  async start(): Promise<void> {
    if (this.current !== undefined) throw new RecipeError('WARREN_RECIPE_BUSY', 'started');
    this.attach(await this.connect());
    this.check();
    await this.chain;
  }

  /** Deletes the node (by closing the session) and stops. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.current;
    this.current = undefined;
    if (client !== undefined) {
      client.off('connected', this.onConnected).off('expired', this.onExpired);
      await client.close();
    }
  }

  private attach(client: ZooKeeperClient): void {
    this.current = client;
    client.on('connected', this.onConnected).on('expired', this.onExpired);
  }

  private check(): void {
    this.chain = this.chain.then(() => this.ensure()).catch((error: unknown) => this.fail(error));
  }

  private renew(): void {
    this.chain = this.chain
      .then(async () => {
        const old = this.current;
        this.current = undefined;
        old?.off('connected', this.onConnected).off('expired', this.onExpired);
        await old?.close();
        if (this.closed) return;
        const client = await this.connect();
        if (this.closed) return void (await client.close());
        this.attach(client);
        await this.ensure();
      })
      .catch((error: unknown) => {
        // The factory failed (no client): nothing will reconnect, so try again after a pause.
        if (this.current === undefined && !this.closed) {
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => this.renew(), FACTORY_RETRY_DELAY_MS);
        }
        this.fail(error);
      });
  }

  private async ensure(): Promise<void> {
    const client = this.current;
    if (this.closed || client === undefined || client.state !== 'connected') return;
    const watch = (): void => this.check();
    const stat = await retrying(() => client.exists(this.path, { watch }), 'ephemeral check');
    if (stat !== null && stat.ephemeralOwner === client.sessionId) return;
    if (stat !== null) {
      // Still the previous session's node, about to go: its deletion fires the watch.
      return;
    }
    const parent = this.path.slice(0, this.path.lastIndexOf('/'));
    if (parent !== '') await ensurePath(client, parent);
    await retrying(async () => {
      await client.create(this.path, { mode: 'ephemeral', data: this.data }).catch((e: unknown) => {
        if (!(e instanceof NodeExistsError)) throw e;
      });
    }, `create ${this.path}`);
    this.emit('created', this.path);
    this.check();
  }

  private fail(error: unknown): void {
    if (this.closed || isConnectionLoss(error)) return;
    if (this.listenerCount('error') > 0) this.emit('error', error as Error);
  }
}
