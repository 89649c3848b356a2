/**
 * Where a long-lived recipe (a cache, a registration) gets its client. Given a client, the
 * recipe lives as long as that client's session. Given a factory, the recipe owns the clients
 * it makes: when a session expires it closes that client, makes a new one and rebuilds its
 * state on it, so it outlives any number of expiries (as Curator's recipes do).
 */
import type { ZooKeeperClient } from '../client/index.js';
import { sessionEnded } from './signals.js';

/** A client to use as is, or a factory of connected clients (called again after expiry). */
export type ClientSource = ZooKeeperClient | (() => Promise<ZooKeeperClient>);

export interface SessionListeners {
  /** The client (re)connected: re-read everything. */
  connected(): void;
  /** The session ended; with a factory, a new client is being made. */
  ended(): void;
}

export class SessionHolder {
  private client: ZooKeeperClient | undefined;
  private making: Promise<ZooKeeperClient> | undefined;
  private closed = false;
  /** Bumped for every new client, so callbacks of an old one can be told apart. */
  generation = 0;

  constructor(
    private readonly source: ClientSource,
    private readonly listeners: SessionListeners,
  ) {}

  /** True when the holder makes (and closes) its own clients. */
  get owns(): boolean {
    return typeof this.source === 'function';
  }

  /** The client in use now, if any. */
  get current(): ZooKeeperClient | undefined {
    return this.client;
  }

  private readonly onConnected = (): void => this.listeners.connected();
  private readonly onEnded = (): void => {
    const old = this.client;
    if (old !== undefined) this.detach(old);
    this.client = undefined;
    if (this.owns) void old?.close();
    this.listeners.ended();
  };

  /** The client to use: the given one, or a live one from the factory (made on demand). */
  async get(): Promise<ZooKeeperClient> {
    if (this.client !== undefined) return this.client;
    if (typeof this.source !== 'function') {
      this.client = this.source;
      this.attach(this.source);
      return this.source;
    }
    const factory = this.source;
    this.making ??= factory().finally(() => (this.making = undefined));
    const client = await this.making;
    if (this.closed) {
      await client.close();
      return client;
    }
    if (this.client === undefined) {
      this.client = client;
      this.attach(client);
    }
    return this.client;
  }

  /** Stops following the session; closes the client if the holder made it. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    this.detach(client);
    if (this.owns) await client.close();
  }

  private attach(client: ZooKeeperClient): void {
    this.generation++;
    client.on('connected', this.onConnected);
    client.on('expired', this.onEnded).on('closed', this.onEnded).on('authFailed', this.onEnded);
    if (sessionEnded(client)) queueMicrotask(this.onEnded);
  }

  private detach(client: ZooKeeperClient): void {
    client.off('connected', this.onConnected);
    client.off('expired', this.onEnded).off('closed', this.onEnded).off('authFailed', this.onEnded);
  }
}
