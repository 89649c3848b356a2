/**
 * One inbound server-to-server connection: it only receives. The first 20 bytes must be a
 * valid handshake naming a known peer and this server; then frames are cut (capped length),
 * chunked messages joined (capped size) and each message handed over synchronously, in
 * order. Any breach of the protocol closes the connection with a warning naming the address;
 * nothing a peer sends can throw out of here or make us allocate past the caps.
 */
import type net from 'node:net';
import type { Logger } from 'pino';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import { handshakeTimeoutMs, peerFrameBytesMax } from '../util/limits.js';
import { decodeHandshake, handshakeFrameBytes } from './peer-frames.js';
import { PeerProtocolError, PeerReassembler } from './peer-reassembly.js';

export interface InboundHost {
  readonly selfId: number;
  readonly logger: Logger;
  readonly messageBytesMax: number;
  isKnownPeer(id: number): boolean;
  /** The handshake from `fromId` passed; messages follow. */
  onIdentified(connection: InboundPeerConnection): void;
  onMessage(fromId: number, payload: Buffer): void;
  onClosed(connection: InboundPeerConnection): void;
}

export class InboundPeerConnection {
  /** The peer's id once its handshake passed; 0 before. */
  fromId = 0;
  private handshakeBytes: Buffer[] = [];
  private handshakeLength = 0;
  private decoder: FrameDecoder | null = null;
  private reassembler: PeerReassembler;
  private handshakeTimer: NodeJS.Timeout | null;
  private closed = false;
  readonly remote: string;

  constructor(
    private readonly socket: net.Socket,
    private readonly host: InboundHost,
  ) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.reassembler = new PeerReassembler(host.messageBytesMax);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, handshakeTimeoutMs);
    this.handshakeTimer = setTimeout(() => this.reject('no handshake in time'), handshakeTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      host.logger.debug({ remote: this.remote, err: err.message }, 'inbound peer socket error');
    });
    socket.once('close', () => this.onClose());
  }

  get identified(): boolean {
    return this.fromId !== 0;
  }

  /** Closes the connection quietly (membership change, replaced by a newer connection). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearHandshakeTimer();
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let rest = chunk;
    if (this.decoder === null) {
      const needed = handshakeFrameBytes - this.handshakeLength;
      this.handshakeBytes.push(rest.subarray(0, needed));
      this.handshakeLength += Math.min(needed, rest.length);
      if (this.handshakeLength < handshakeFrameBytes) return;
      rest = rest.subarray(needed);
      if (!this.acceptHandshake(Buffer.concat(this.handshakeBytes))) return;
    }
    this.readFrames(rest);
  }

  private acceptHandshake(frame: Buffer): boolean {
    this.handshakeBytes = [];
    const handshake = decodeHandshake(frame);
    if (!handshake.ok) return this.reject(handshake.reason);
    if (handshake.toId !== this.host.selfId) {
      return this.reject(`handshake is for server ${handshake.toId}, not ${this.host.selfId}`);
    }
    if (handshake.fromId === 0 || !this.host.isKnownPeer(handshake.fromId)) {
      return this.reject(`handshake from unknown server ${handshake.fromId}`);
    }
    this.clearHandshakeTimer();
    this.fromId = handshake.fromId;
    this.decoder = new FrameDecoder(peerFrameBytesMax);
    this.host.onIdentified(this);
    return !this.closed;
  }

  private readFrames(chunk: Buffer): void {
    const decoder = this.decoder;
    if (decoder === null || chunk.length === 0) return;
    for (const frame of decoder.push(chunk)) {
      let payload: Buffer | null;
      try {
        payload = this.reassembler.push(frame);
      } catch (err) {
        if (!(err instanceof PeerProtocolError)) throw err;
        this.reject(err.message);
        return;
      }
      if (payload !== null) this.host.onMessage(this.fromId, payload);
      // The handler may have closed us (e.g. the peer was removed); deliver nothing more.
      if (this.closed) return;
    }
    if (decoder.failure !== null) this.reject(`frame length over ${peerFrameBytesMax} bytes`);
  }

  /** Warns, closes, and returns false (so callers can `return this.reject(...)`). */
  private reject(reason: string): false {
    if (this.closed) return false;
    this.host.logger.warn(
      { remote: this.remote, peer: this.fromId || undefined, reason },
      `closing peer connection from ${this.remote}: ${reason}`,
    );
    this.close();
    return false;
  }

  private clearHandshakeTimer(): void {
    if (this.handshakeTimer !== null) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
  }

  private onClose(): void {
    this.closed = true;
    this.clearHandshakeTimer();
    this.host.onClosed(this);
  }
}
