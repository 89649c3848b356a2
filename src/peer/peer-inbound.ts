/**
 * One inbound server-to-server connection: it only receives, except for the authentication
 * challenge. It first needs a valid handshake naming a known peer and this server: the plain
 * one (version 1), or a hello that starts the shared-secret challenge–response (version 2,
 * peer-auth.ts), and over TLS a certificate that matches the claimed server's host. Then
 * frames are cut (capped length), chunked messages joined (capped size) and each message
 * handed over synchronously, in order. Any breach of the protocol closes the connection with a
 * warning naming the address; nothing a peer sends can throw out of here or make us allocate
 * past the caps, and nothing it sends before it is authenticated reaches the member.
 */
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import { handshakeTimeoutMs, peerFrameBytesMax } from '../util/limits.js';
import {
  authProtocolVersion,
  challengeStatus,
  decodeHello,
  encodeChallenge,
  helloBodyBytesMax,
  nonceBytes,
  proofFrameBytes,
  proofMatches,
  proofOf,
  type Hello,
} from './peer-auth.js';
import {
  decodeHandshake,
  handshakeFrameBytes,
  peerMagic,
  peerProtocolVersion,
} from './peer-frames.js';
import { PeerProtocolError, PeerReassembler } from './peer-reassembly.js';
import type { PeerSecurity } from './peer-security.js';

export interface InboundHost {
  readonly selfId: number;
  readonly logger: Logger;
  readonly messageBytesMax: number;
  readonly security: PeerSecurity;
  isKnownPeer(id: number): boolean;
  /** The host a peer's certificate must match (its server.N address). */
  hostOf(id: number): string | undefined;
  /** The handshake from `fromId` passed; messages follow. */
  onIdentified(connection: InboundPeerConnection): void;
  onMessage(fromId: number, payload: Buffer): void;
  onClosed(connection: InboundPeerConnection): void;
}

export class InboundPeerConnection {
  /** The peer's id once its handshake passed; 0 before. */
  fromId = 0;
  /** Handshake bytes not consumed yet (hello, then the proof); a few hundred at most. */
  private pending: Buffer = Buffer.alloc(0);
  /** A version 2 hello answered with a challenge: its proof is awaited. */
  private awaitingProof: { hello: Hello; nonce: Buffer; password: string } | null = null;
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
    if (this.decoder !== null) return this.readFrames(chunk);
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let rest = this.awaitingProof === null ? this.readHello() : null;
    // The proof may arrive in the same chunk as the hello.
    if (rest === null && this.awaitingProof !== null && !this.closed) rest = this.readProof();
    if (rest !== null && !this.closed && this.decoder !== null) this.readFrames(rest);
  }

  /** Consumes a hello once whole; returns the bytes after the handshake, if it completed. */
  private readHello(): Buffer | null {
    const buffered = this.pending;
    if (buffered.length < 4) return null;
    const bodyBytes = buffered.readUInt32BE(0);
    if (bodyBytes > helloBodyBytesMax || bodyBytes < peerMagic.length + 1) {
      this.reject(`handshake length ${bodyBytes}`);
      return null;
    }
    if (buffered.length < 4 + bodyBytes) return null;
    const frame = buffered.subarray(0, 4 + bodyBytes);
    this.pending = buffered.subarray(4 + bodyBytes);
    if (!frame.subarray(4, 4 + peerMagic.length).equals(peerMagic)) {
      this.reject('bad magic');
      return null;
    }
    const version = frame.readUInt8(4 + peerMagic.length);
    if (version === peerProtocolVersion && frame.length === handshakeFrameBytes) {
      return this.acceptPlainHandshake(frame) ? this.takePending() : null;
    }
    if (version !== authProtocolVersion) {
      this.reject(
        `protocol version ${version}, want ${peerProtocolVersion} or ${authProtocolVersion}`,
      );
      return null;
    }
    const hello = decodeHello(frame.subarray(4));
    if (typeof hello === 'string') {
      this.reject(hello);
      return null;
    }
    return this.answerHello(hello) ? this.takePending() : null;
  }

  private takePending(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest;
  }

  /** Version 1: no shared-secret authentication (TLS may still have identified the peer). */
  private acceptPlainHandshake(frame: Buffer): boolean {
    const handshake = decodeHandshake(frame);
    if (!handshake.ok) return this.reject(handshake.reason);
    if (!this.checkIds(handshake.fromId, handshake.toId)) return false;
    const sasl = this.host.security.sasl;
    if (sasl !== null && sasl.serverRequire) {
      return this.reject(
        `server ${handshake.fromId} did not authenticate (quorum.auth.serverRequireSasl=true)`,
      );
    }
    return this.identify(handshake.fromId);
  }

  /** Version 2: answer with a challenge, or say we have no secret (the dialler decides). */
  private answerHello(hello: Hello): boolean {
    if (!this.checkIds(hello.fromId, hello.toId)) return false;
    const users = this.host.security.sasl?.server ?? null;
    if (users === null) {
      this.socket.write(encodeChallenge(challengeStatus.unauthenticated));
      return this.identify(hello.fromId);
    }
    const password = users.get(hello.username);
    if (password === undefined) {
      this.socket.write(encodeChallenge(challengeStatus.refused));
      return this.reject(`server ${hello.fromId} named unknown quorum user '${hello.username}'`);
    }
    const nonce = randomBytes(nonceBytes);
    this.awaitingProof = { hello, nonce, password };
    this.socket.write(
      encodeChallenge(
        challengeStatus.challenge,
        nonce,
        proofOf('acceptor', password, hello, nonce),
      ),
    );
    return false; // not identified yet: the proof comes next
  }

  /** The dialler's proof; returns the bytes after it once accepted. */
  private readProof(): Buffer | null {
    const awaiting = this.awaitingProof;
    if (awaiting === null || this.pending.length < proofFrameBytes) return null;
    const proof = this.pending.subarray(0, proofFrameBytes);
    this.pending = this.pending.subarray(proofFrameBytes);
    this.awaitingProof = null;
    const expected = proofOf('dialler', awaiting.password, awaiting.hello, awaiting.nonce);
    if (!proofMatches(proof, expected)) {
      this.reject(`server ${awaiting.hello.fromId} failed the quorum authentication`);
      return null;
    }
    return this.identify(awaiting.hello.fromId) ? this.takePending() : null;
  }

  /** The ids a handshake names: for us, from a known peer, matching its certificate. */
  private checkIds(fromId: number, toId: number): boolean {
    if (toId !== this.host.selfId) {
      return this.reject(`handshake is for server ${toId}, not ${this.host.selfId}`);
    }
    if (fromId === 0 || !this.host.isKnownPeer(fromId)) {
      return this.reject(`handshake from unknown server ${fromId}`);
    }
    const tlsSettings = this.host.security.tls;
    if (tlsSettings !== null && tlsSettings.clientHostnameVerification) {
      const host = this.host.hostOf(fromId);
      const socket = this.socket as tls.TLSSocket;
      const certificate = socket.getPeerCertificate();
      const mismatch =
        host === undefined ? new Error('no address') : tls.checkServerIdentity(host, certificate);
      if (mismatch !== undefined) {
        return this.reject(
          `server ${fromId}'s certificate does not match its address ${host ?? '?'}: ${mismatch.message}`,
        );
      }
    }
    return true;
  }

  private identify(fromId: number): boolean {
    this.clearHandshakeTimer();
    this.fromId = fromId;
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
    // Not when we closed it ourselves (shutdown, a rejection already logged).
    if (this.awaitingProof !== null && !this.closed) {
      this.host.logger.warn(
        { remote: this.remote, peer: this.awaitingProof.hello.fromId },
        `server ${this.awaitingProof.hello.fromId} (${this.remote}) did not answer the quorum ` +
          'challenge (a different secret, or not a member)',
      );
      this.awaitingProof = null;
    }
    this.closed = true;
    this.clearHandshakeTimer();
    this.host.onClosed(this);
  }
}
