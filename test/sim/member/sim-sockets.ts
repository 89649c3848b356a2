/**
 * Client connections to simulated members: the member's side is a ClientSocket handed to
 * its real server through a ClientListener, the client's side a small endpoint. Bytes take a
 * short virtual delay each way and arrive in order; a paused server side (backpressure) holds
 * what arrives until it resumes; ending flushes first, destroying does not. A member's crash
 * closes its connections; the client learns it.
 */
import type {
  ClientListener,
  ClientSocket,
  ClientSocketEvents,
} from '../../../src/server/client-socket.js';
import type { Incarnation, SimWorld } from './world.js';

export interface ClientEndEvents {
  data(chunk: Buffer): void;
  closed(): void;
}

/** The client's end of a connection. */
export interface ClientEnd {
  send(bytes: Buffer): void;
  close(): void;
  readonly open: boolean;
}

const delayMs = 0.2;

class Connection implements ClientSocket, ClientEnd {
  readonly remotePort: number;
  bufferedBytes = 0;
  destroyed = false;
  private serverEvents: ClientSocketEvents | null = null;
  private paused = false;
  private held: Buffer[] = [];
  private toServerAt = 0;
  private toClientAt = 0;

  constructor(
    private readonly world: SimWorld,
    private readonly server: Incarnation,
    readonly remoteAddress: string,
    private readonly client: ClientEndEvents,
    port: number,
    private readonly onGone: (connection: Connection) => void,
  ) {
    this.remotePort = port;
  }

  get open(): boolean {
    return !this.destroyed;
  }

  // ---- the member's side ----

  start(events: ClientSocketEvents): void {
    this.serverEvents = events;
  }

  write(bytes: Buffer): void {
    if (this.destroyed) return;
    const copy = Buffer.from(bytes);
    this.toClientAt = Math.max(this.world.now + delayMs, this.toClientAt);
    this.world.at(this.toClientAt, () => {
      if (!this.destroyed) this.client.data(copy);
    });
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const chunk of held) this.world.after(0, () => this.deliverToServer(chunk), this.server);
  }

  end(): void {
    if (this.destroyed) return;
    // After what was written reaches the client.
    this.world.at(Math.max(this.world.now + delayMs, this.toClientAt), () => this.destroy());
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.onGone(this);
    this.world.after(delayMs, () => this.client.closed());
    const events = this.serverEvents;
    if (events !== null && this.server.alive)
      this.world.after(0, () => events.closed(), this.server);
  }

  // ---- the client's side ----

  send(bytes: Buffer): void {
    if (this.destroyed) return;
    const copy = Buffer.from(bytes);
    this.toServerAt = Math.max(this.world.now + delayMs, this.toServerAt);
    this.world.at(this.toServerAt, () => this.deliverToServer(copy), this.server);
  }

  close(): void {
    this.destroy();
  }

  private deliverToServer(chunk: Buffer): void {
    if (this.destroyed || this.serverEvents === null) return;
    if (this.paused) {
      this.held.push(chunk);
      return;
    }
    this.serverEvents.data(chunk);
  }

  /** The member's process died: the client sees a reset; the server side is gone. */
  kill(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.world.after(delayMs, () => this.client.closed());
  }
}

/** Where clients connect: each member incarnation's listener, while it listens. */
export class SimClientPorts {
  private readonly listeners = new Map<number, (socket: ClientSocket) => void>();
  private readonly incarnations = new Map<number, Incarnation>();
  private readonly open = new Map<number, Set<Connection>>();
  private nextPort = 40000;

  constructor(private readonly world: SimWorld) {}

  listener(memberId: number, incarnation: Incarnation): ClientListener {
    return {
      listen: (accept) => {
        this.listeners.set(memberId, accept);
        this.incarnations.set(memberId, incarnation);
        return Promise.resolve({ host: `sim-${memberId}`, port: 2181 });
      },
      close: () => {
        if (this.incarnations.get(memberId) === incarnation) this.listeners.delete(memberId);
        return Promise.resolve();
      },
    };
  }

  /** Connects client `clientId` to a member; null when nothing listens there. */
  connect(memberId: number, clientId: number, events: ClientEndEvents): ClientEnd | null {
    const accept = this.listeners.get(memberId);
    const incarnation = this.incarnations.get(memberId);
    if (accept === undefined || incarnation === undefined || !incarnation.alive) return null;
    const set = this.open.get(memberId) ?? new Set<Connection>();
    this.open.set(memberId, set);
    const address = `10.0.0.${clientId + 1}`;
    const connection = new Connection(
      this.world,
      incarnation,
      address,
      events,
      this.nextPort++,
      (c) => set.delete(c),
    );
    set.add(connection);
    this.world.after(delayMs, () => accept(connection), incarnation);
    return connection;
  }

  /** The member died: every connection to it resets. */
  memberDown(memberId: number): void {
    this.listeners.delete(memberId);
    this.incarnations.delete(memberId);
    for (const connection of this.open.get(memberId) ?? []) connection.kill();
    this.open.delete(memberId);
  }
}
