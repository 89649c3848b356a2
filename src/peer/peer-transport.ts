/**
 * The server-to-server transport: opaque payloads between numbered servers over TCP. Each
 * server dials one connection per peer and only writes to it (peer-link.ts); connections
 * others dial to us only carry their messages in (peer-inbound.ts). Delivery is in order per
 * connection and at most once; a payload that cannot be queued is dropped and counted, since
 * consensus retransmits what matters. Membership may change while running (`setPeers`).
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { assert } from '../util/assert.js';
import {
  peerChunkBytesDefault,
  peerFrameBytesMax,
  peerMessageBytesMaxDefault,
  peerPendingInboundMax,
  peerQueueBytesMaxDefault,
} from '../util/limits.js';
import { chunkStartHeaderBytes } from './peer-frames.js';
import { InboundPeerConnection, type InboundHost } from './peer-inbound.js';
import { PeerLink, type PeerAddress } from './peer-link.js';
import { openPeerSecurity, type PeerSecurity } from './peer-security.js';

export type { PeerAddress } from './peer-link.js';

export interface PeerTransportOptions {
  selfId: number;
  /** Port 0 picks a free port; `start()` and `address()` tell the real one. */
  listenHost: string;
  listenPort: number;
  /** Everyone else (an entry for `selfId` is ignored). */
  peers: PeerAddress[];
  logger: Logger;
  /** Called synchronously per message, in order per connection. */
  onMessage(from: number, payload: Buffer): void;
  /** The connection to `id` dropped or could not be made (consensus stops streaming to it). */
  onUnreachable?(id: number): void;
  /** Per peer outbound queue cap in bytes. */
  queueBytesMax?: number;
  /** Largest payload accepted or sent (after reassembly). */
  messageBytesMax?: number;
  /** Payloads above this go as several chunk frames. */
  chunkBytes?: number;
  /** Quorum TLS and/or shared-secret authentication; none by default. */
  security?: PeerSecurity;
}

export interface PeerStats {
  connected: boolean;
  queuedBytes: number;
  sent: number;
  received: number;
  dropped: number;
}

export class PeerTransport {
  private readonly links = new Map<number, PeerLink>();
  private readonly received = new Map<number, number>();
  private readonly pendingInbound = new Set<InboundPeerConnection>();
  private readonly inboundByPeer = new Map<number, InboundPeerConnection>();
  private readonly queueBytesMax: number;
  private readonly messageBytesMax: number;
  private readonly chunkBytes: number;
  private readonly inboundHost: InboundHost;
  private readonly security: PeerSecurity;
  private server: net.Server | null = null;
  private listening: { host: string; port: number } | null = null;
  private started = false;
  private closed = false;

  constructor(private readonly options: PeerTransportOptions) {
    assert(Number.isInteger(options.selfId) && options.selfId > 0, 'transport: bad selfId');
    this.queueBytesMax = options.queueBytesMax ?? peerQueueBytesMaxDefault;
    this.messageBytesMax = options.messageBytesMax ?? peerMessageBytesMaxDefault;
    this.chunkBytes = options.chunkBytes ?? peerChunkBytesDefault;
    this.security = options.security ?? openPeerSecurity;
    assert(
      this.chunkBytes >= 1 && this.chunkBytes + chunkStartHeaderBytes <= peerFrameBytesMax,
      `transport: chunkBytes must be 1..${peerFrameBytesMax - chunkStartHeaderBytes}`,
    );
    assert(this.messageBytesMax < 2 ** 32, 'transport: messageBytesMax must fit a u32');
    assert(this.queueBytesMax >= 0, 'transport: negative queueBytesMax');
    this.inboundHost = this.makeInboundHost();
    this.setPeers(options.peers);
  }

  /** Listens, and starts dialling the peers. */
  async start(): Promise<{ host: string; port: number }> {
    assert(!this.started && !this.closed, 'transport: start twice or after close');
    this.started = true;
    const server = this.createListener();
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.listenPort, this.options.listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => {
      this.options.logger.error({ err: err.message }, 'peer listener error');
    });
    const bound = server.address();
    assert(bound !== null && typeof bound === 'object', 'transport: listener has no address');
    this.listening = { host: bound.address, port: bound.port };
    for (const link of this.links.values()) link.start();
    return { ...this.listening };
  }

  /** Where the listener is bound, once started. */
  address(): { host: string; port: number } | null {
    return this.listening === null ? null : { ...this.listening };
  }

  /** Queues a payload for `to`; false when dropped (unknown peer, over a cap, closed). */
  send(to: number, payload: Buffer): boolean {
    if (this.closed) return false;
    const link = this.links.get(to);
    if (link === undefined) return false;
    if (payload.length > this.messageBytesMax) {
      link.dropped++;
      return false;
    }
    return link.send(payload);
  }

  /** Membership changed: dial new peers, drop removed ones (and their inbound connections). */
  setPeers(peers: PeerAddress[]): void {
    if (this.closed) return;
    const wanted = new Map<number, PeerAddress>();
    for (const peer of peers) {
      if (peer.id === this.options.selfId) continue;
      assert(Number.isInteger(peer.id) && peer.id > 0, `transport: bad peer id ${peer.id}`);
      assert(!wanted.has(peer.id), `transport: peer ${peer.id} listed twice`);
      wanted.set(peer.id, { ...peer });
    }
    for (const [id, link] of this.links) {
      const next = wanted.get(id);
      if (next !== undefined && next.host === link.peer.host && next.port === link.peer.port) {
        continue;
      }
      link.close();
      this.links.delete(id);
      if (next === undefined) {
        this.received.delete(id);
        this.inboundByPeer.get(id)?.close();
      }
    }
    for (const [id, peer] of wanted) {
      if (this.links.has(id)) continue;
      const link = this.makeLink(peer);
      this.links.set(id, link);
      if (!this.received.has(id)) this.received.set(id, 0);
      if (this.started) link.start();
    }
  }

  /** Whether the outbound connection to `id` is up. */
  /** When our connection to `id` was made, or null when it is not connected. */
  connectedSince(id: number): number | null {
    return this.links.get(id)?.connectedSince ?? null;
  }

  /** Replaces our connection to `id` with a fresh one (see PeerLink.redial). */
  redial(id: number): void {
    this.links.get(id)?.redial();
  }

  isConnected(id: number): boolean {
    return this.links.get(id)?.isConnected ?? false;
  }

  stats(): Map<number, PeerStats> {
    const out = new Map<number, PeerStats>();
    for (const [id, link] of this.links) {
      out.set(id, {
        connected: link.isConnected,
        queuedBytes: link.queuedBytes,
        sent: link.sent,
        received: this.received.get(id) ?? 0,
        dropped: link.dropped,
      });
    }
    return out;
  }

  /** Stops listening, closes every connection and timer. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const link of this.links.values()) link.close();
    for (const connection of [...this.pendingInbound, ...this.inboundByPeer.values()]) {
      connection.close();
    }
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private createListener(): net.Server {
    const tlsSettings = this.security.tls;
    if (tlsSettings === null) return net.createServer((socket) => this.onConnection(socket));
    const server = tls.createServer(
      { ...tlsSettings.server, requestCert: true, rejectUnauthorized: true },
      (socket) => this.onConnection(socket),
    );
    // A TLS handshake that fails (no or an untrusted certificate) never reaches onConnection.
    server.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
      const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
      this.options.logger.warn({ remote, err: err.message }, 'peer TLS handshake failed');
    });
    return server;
  }

  private makeLink(peer: PeerAddress): PeerLink {
    return new PeerLink({
      selfId: this.options.selfId,
      peer,
      logger: this.options.logger,
      chunkBytes: this.chunkBytes,
      queueBytesMax: this.queueBytesMax,
      security: this.security,
      onUnreachable: () => this.options.onUnreachable?.(peer.id),
    });
  }

  private onConnection(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    if (this.pendingInbound.size >= peerPendingInboundMax) {
      this.options.logger.warn(
        { remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}` },
        `refusing peer connection: ${peerPendingInboundMax} handshakes already pending`,
      );
      socket.destroy();
      return;
    }
    this.pendingInbound.add(new InboundPeerConnection(socket, this.inboundHost));
  }

  private makeInboundHost(): InboundHost {
    return {
      selfId: this.options.selfId,
      logger: this.options.logger,
      messageBytesMax: this.messageBytesMax,
      security: this.security,
      isKnownPeer: (id) => this.links.has(id),
      hostOf: (id) => this.links.get(id)?.peer.host,
      onIdentified: (connection) => {
        this.pendingInbound.delete(connection);
        // The peer dialled again, so its older connection is dead: keep one per peer.
        const older = this.inboundByPeer.get(connection.fromId);
        this.inboundByPeer.set(connection.fromId, connection);
        older?.close();
      },
      onMessage: (fromId, payload) => {
        if (this.closed) return;
        this.received.set(fromId, (this.received.get(fromId) ?? 0) + 1);
        this.options.onMessage(fromId, payload);
      },
      onClosed: (connection) => {
        this.pendingInbound.delete(connection);
        if (this.inboundByPeer.get(connection.fromId) === connection) {
          this.inboundByPeer.delete(connection.fromId);
        }
      },
    };
  }
}
