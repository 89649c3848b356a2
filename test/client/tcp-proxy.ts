/**
 * A TCP proxy for client tests, between the client and one server on 127.0.0.1: cut() drops
 * every proxied connection (the client sees the server vanish), and setRefusing(true) makes
 * new connections close at once, so the client stays disconnected until it is turned off;
 * setStalled(true) holds back the server's replies.
 */
import * as net from 'node:net';

export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;
  private refusing = false;
  private stalled = false;
  private readonly held: [net.Socket, Buffer][] = [];
  /** Connections accepted so far. */
  accepted = 0;
  port = 0;

  private constructor(private readonly targetPort: number) {
    this.server = net.createServer((client) => this.accept(client));
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as net.AddressInfo).port;
    return proxy;
  }

  private accept(client: net.Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    this.accepted++;
    const upstream = net.connect({ host: '127.0.0.1', port: this.targetPort });
    this.sockets.add(client).add(upstream);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (this.stalled) this.held.push([client, chunk]);
      else client.write(chunk);
    });
  }

  /** While stalled, replies from the server are held back (requests still go through). */
  setStalled(stalled: boolean): void {
    this.stalled = stalled;
    if (stalled) return;
    for (const [client, chunk] of this.held.splice(0)) {
      if (!client.destroyed) client.write(chunk);
    }
  }

  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Drops every open connection. */
  cut(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  setRefusing(refusing: boolean): void {
    this.refusing = refusing;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
