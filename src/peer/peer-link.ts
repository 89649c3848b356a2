/**
 * The outbound half of the link to one peer: a TCP connection this server dials and only
 * writes to. It redials with backoff while the peer is away, keeps sends in a capped outbox
 * meanwhile, batches the sends of one event-loop turn into one corked write, and stops
 * writing while the socket is over its high-water mark. A connection whose writes make no
 * progress for `peerWriteStallMs` is presumed dead and redialled. With quorum security the
 * connection is TLS and/or opens with the shared-secret challenge (peer-auth.ts); nothing is
 * sent until the peer has proved who it is.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { assert } from '../util/assert.js';
import {
  peerConnectTimeoutMs,
  peerReconnectDelayMaxMs,
  peerReconnectDelayMinMs,
  peerWriteStallMs,
} from '../util/limits.js';
import {
  challengeFrameBytes,
  challengeStatus,
  decodeChallenge,
  encodeHello,
  nonceBytes,
  proofMatches,
  proofOf,
  type Hello,
} from './peer-auth.js';
import { encodeHandshake } from './peer-frames.js';
import { PeerOutbox } from './peer-outbox.js';
import type { PeerSecurity } from './peer-security.js';

export interface PeerAddress {
  id: number;
  host: string;
  port: number;
}

export interface PeerLinkOptions {
  readonly selfId: number;
  readonly peer: PeerAddress;
  readonly logger: Logger;
  readonly chunkBytes: number;
  readonly queueBytesMax: number;
  readonly security: PeerSecurity;
  /** The connection dropped, or the first dial after it (or after start) failed. */
  readonly onUnreachable: () => void;
}

/** Bytes handed to the socket per corked batch before checking backpressure again. */
const writeBatchBytes = 256 * 1024;

export class PeerLink {
  readonly peer: PeerAddress;
  sent = 0;
  dropped = 0;
  private readonly outbox: PeerOutbox;
  private socket: net.Socket | null = null;
  private connected = false;
  /** Our hello and the bytes of the peer's challenge so far, while authenticating. */
  private authenticating: { hello: Hello; received: Buffer } | null = null;
  /** The socket's buffer is over its high-water mark: wait for 'drain'. */
  private blocked = false;
  private flushScheduled = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private connectedAt = 0;
  private reportedUnreachable = false;
  private started = false;
  private closed = false;

  constructor(private readonly options: PeerLinkOptions) {
    this.peer = options.peer;
    this.outbox = new PeerOutbox(options.chunkBytes, options.queueBytesMax);
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** When the current connection was made (ms since epoch), or null when not connected. */
  get connectedSince(): number | null {
    return this.connected ? this.connectedAt : null;
  }

  get queuedBytes(): number {
    return this.outbox.queuedBytes;
  }

  start(): void {
    assert(!this.closed, 'peer link: start after close');
    if (this.started) return;
    this.started = true;
    this.dial();
  }

  /** Queues a payload; false (and counted) when the outbox is full. */
  send(payload: Buffer): boolean {
    if (this.closed) return false;
    // An oversized payload only makes sense on a live link; queued it would just go stale.
    if (!this.outbox.offer(payload, this.connected)) {
      this.dropped++;
      return false;
    }
    this.scheduleFlush();
    return true;
  }

  /**
   * Drops a connection that looks alive but carries nothing (after a partition heals, the
   * kernel may sit in retransmission backoff for many seconds): dial afresh now.
   */
  redial(): void {
    if (this.closed || !this.connected || this.socket === null) return;
    this.socket.destroy(new Error('peer silent; redialling'));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.socket?.destroy();
    this.socket = null;
    this.connected = false;
    this.outbox.clear();
  }

  private dial(): void {
    const { host, port, id } = this.peer;
    const tlsSettings = this.options.security.tls;
    let socket: net.Socket;
    if (tlsSettings === null) {
      socket = net.createConnection({ host, port });
      socket.once('connect', () => this.onTransportUp(socket));
    } else {
      socket = tls.connect({
        ...tlsSettings.client,
        host,
        port,
        ...(net.isIP(host) === 0 ? { servername: host } : {}),
        // The chain is always checked against the trust store; the name only if asked.
        ...(tlsSettings.hostnameVerification ? {} : { checkServerIdentity: () => undefined }),
      });
      socket.once('secureConnect', () => this.onTransportUp(socket));
    }
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(peerConnectTimeoutMs);
    socket.on('timeout', () => {
      // Before connect: the dial timed out. After: only a write that made no progress counts.
      const stalled = !this.connected || this.blocked || socket.writableLength > 0;
      if (stalled) socket.destroy(new Error(this.connected ? 'writes stalled' : 'dial timed out'));
    });
    socket.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
    // The peer writes only its challenge; reading also lets us see its FIN at once.
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', (err) => {
      const log = err.message.includes('certificate') ? 'warn' : 'debug';
      this.options.logger[log]({ peer: id, host, port, err: err.message }, 'peer link error');
    });
    socket.once('close', () => this.onClose(socket));
  }

  /** TCP (and TLS) is up: say who we are, and prove it if we share a secret. */
  private onTransportUp(socket: net.Socket): void {
    if (this.socket !== socket) return;
    const sasl = this.options.security.sasl;
    if (sasl === null) {
      socket.write(encodeHandshake(this.options.selfId, this.peer.id));
      return this.onConnect(socket);
    }
    const hello: Hello = {
      fromId: this.options.selfId,
      toId: this.peer.id,
      nonce: randomBytes(nonceBytes),
      username: sasl.learner?.username ?? '',
    };
    this.authenticating = { hello, received: Buffer.alloc(0) };
    socket.write(encodeHello(hello));
  }

  private onData(socket: net.Socket, chunk: Buffer): void {
    const auth = this.authenticating;
    if (this.socket !== socket || auth === null) return;
    auth.received = Buffer.concat([auth.received, chunk]);
    if (auth.received.length < challengeFrameBytes) return;
    this.authenticating = null;
    const challenge = decodeChallenge(auth.received);
    const refuse = (reason: string): void => {
      this.options.logger.warn(
        { peer: this.peer.id },
        `peer link to server ${this.peer.id}: ${reason}`,
      );
      socket.destroy();
    };
    const sasl = this.options.security.sasl;
    if (challenge.status === challengeStatus.unauthenticated) {
      if (sasl?.learnerRequire === true) {
        return refuse('it has no quorum authentication (quorum.auth.learnerRequireSasl=true)');
      }
      return this.onConnect(socket);
    }
    if (challenge.status !== challengeStatus.challenge) {
      return refuse(`it refused our quorum credentials (user '${auth.hello.username}')`);
    }
    const password = sasl?.learner?.password;
    if (password === undefined) return refuse('no quorum credentials of ours to answer with');
    const expected = proofOf('acceptor', password, auth.hello, challenge.nonce);
    if (!proofMatches(challenge.proof, expected)) {
      return refuse('it failed to prove the quorum secret (an impostor, or a different secret)');
    }
    socket.write(proofOf('dialler', password, auth.hello, challenge.nonce));
    this.onConnect(socket);
  }

  private onConnect(socket: net.Socket): void {
    if (this.socket !== socket) return;
    this.connected = true;
    this.blocked = false;
    this.connectedAt = Date.now();
    this.reportedUnreachable = false;
    socket.setTimeout(peerWriteStallMs);
    socket.setKeepAlive(true, peerWriteStallMs);
    this.options.logger.info({ peer: this.peer.id }, 'peer link connected');
    this.outbox.restartPartial();
    this.flush();
  }

  private onClose(socket: net.Socket): void {
    if (this.socket !== socket) return;
    const wasConnected = this.connected;
    this.socket = null;
    this.connected = false;
    this.blocked = false;
    this.authenticating = null;
    if (this.closed) return;
    if (wasConnected) {
      this.options.logger.info({ peer: this.peer.id }, 'peer link lost');
      // A connection that lived a while was healthy: start the backoff over.
      if (Date.now() - this.connectedAt >= peerReconnectDelayMaxMs) this.failures = 0;
    }
    if (!this.reportedUnreachable) {
      this.reportedUnreachable = true;
      this.options.onUnreachable();
    }
    // onUnreachable may have closed us (membership change).
    if (this.closed) return;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    assert(this.reconnectTimer === null, 'peer link: two reconnect timers');
    const base = Math.min(peerReconnectDelayMaxMs, peerReconnectDelayMinMs * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 30);
    const delay = base + Math.random() * (base / 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closed) this.dial();
    }, delay);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || !this.connected || this.blocked) return;
    this.flushScheduled = true;
    // After the current synchronous run, so every send of this turn shares one write.
    process.nextTick(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const socket = this.socket;
    if (socket === null || !this.connected || this.blocked || this.outbox.isEmpty) return;
    socket.cork();
    try {
      while (!this.outbox.isEmpty) {
        const { parts, completed } = this.outbox.take(writeBatchBytes);
        let writable = true;
        for (const part of parts) writable = socket.write(part);
        this.sent += completed;
        if (!writable) {
          this.blocked = true;
          break;
        }
      }
    } finally {
      socket.uncork();
    }
  }
}
