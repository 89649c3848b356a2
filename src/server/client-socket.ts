/**
 * A client connection's byte stream as the server uses it, and the listener that accepts
 * them: TCP in production (`tcpClientListener`), an in-memory stream in the simulator. The
 * server needs only this much of a socket, so the simulator can run the server that ships.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { connectionsClosedPerTurnMax } from '../util/limits.js';

export interface ClientSocketEvents {
  data(chunk: Buffer): void;
  /** The stream ended or failed; no more events follow. */
  closed(): void;
  /** What was buffered for the client has been handed to the network. */
  drained(): void;
}

export interface ClientSocket {
  /** The client's address (IPv4-mapped IPv6 unwrapped) and port. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /**
   * The subject of the client's verified certificate on a TLS port, as ZooKeeper's x509
   * scheme names it (tls-client-socket.ts); absent on a plaintext port or without one.
   */
  readonly certificateSubject?: string;
  /** Bytes written and not yet handed to the network. */
  readonly bufferedBytes: number;
  readonly destroyed: boolean;
  /** Starts delivering events; called once, by the connection that owns the socket. */
  start(events: ClientSocketEvents): void;
  write(bytes: Buffer): void;
  /** Stops (and resumes) reading from the client: backpressure. */
  pause(): void;
  resume(): void;
  /** Sends what is buffered, then closes. */
  end(): void;
  /** Closes now, dropping what is buffered. */
  destroy(): void;
}

export interface ClientListener {
  /** Starts accepting; resolves with the address bound. */
  listen(accept: (socket: ClientSocket) => void): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
}

/**
 * Connections whose client closed its end, closed here connectionsClosedPerTurnMax a turn: 3k
 * clients of a member leaving at once (a reconnect storm) had Node end and close their 3k
 * sockets in the turn that read the ends, 0.4-1.2 s of shutdown and close system calls.
 */
export class EndedSockets {
  private readonly ended: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly soon: (fn: () => void) => void) {}

  get waiting(): number {
    return this.ended.length;
  }

  /** `close` runs in this turn's slice or a later one, first ended first. */
  add(close: () => void): void {
    this.ended.push(close);
    if (this.scheduled) return;
    this.scheduled = true;
    this.soon(() => this.slice());
  }

  private slice(): void {
    this.scheduled = false;
    for (const close of this.ended.splice(0, connectionsClosedPerTurnMax)) close();
    if (this.ended.length > 0 && !this.scheduled) {
      this.scheduled = true;
      this.soon(() => this.slice());
    }
  }
}

const endedSockets = new EndedSockets((fn) => void setImmediate(fn));

export class TcpClientSocket implements ClientSocket {
  readonly remoteAddress: string;
  readonly remotePort: number;

  constructor(private readonly socket: Socket) {
    const address = socket.remoteAddress ?? 'unknown';
    this.remoteAddress = address.startsWith('::ffff:') ? address.slice(7) : address;
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  start(events: ClientSocketEvents): void {
    this.socket.on('data', (chunk: Buffer) => events.data(chunk));
    // The listener allows half-open sockets: Node leaves a client's end to us (closed a slice
    // a turn) instead of ending and closing the socket in the turn that read it.
    this.socket.on('end', () => endedSockets.add(() => events.closed()));
    this.socket.on('error', () => events.closed());
    this.socket.on('close', () => events.closed());
    this.socket.on('drain', () => events.drained());
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Accepts ZooKeeper clients over TCP on `host`:`port` (0: any free port). */
export function tcpClientListener(port: number, host: string): ClientListener {
  let server: Server | null = null;
  return {
    async listen(accept) {
      const listener = createServer({ allowHalfOpen: true }, (socket) =>
        accept(new TcpClientSocket(socket)),
      );
      server = listener;
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(port, host, () => resolve());
      });
      const address = listener.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      return { host, port: bound };
    },
    async close() {
      const listener = server;
      server = null;
      if (listener !== null) await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}
