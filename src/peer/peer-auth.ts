/**
 * Quorum authentication by shared secret, for networks without a PKI (ZooKeeper's quorum
 * SASL DIGEST-MD5 role, configured the same way: a JAAS `QuorumLearner` section with the
 * dialler's username and password, a `QuorumServer` section with `user_<name>` passwords).
 *
 * A mutual challenge–response over HMAC-SHA256 keyed by the password:
 *
 *   dialler → acceptor  hello:     magic, version 2, fromId, toId, nonceD (32), username
 *   acceptor → dialler  challenge: status, nonceA (32), proofA = MAC("acceptor", ids, nonces)
 *   dialler → acceptor  proof:     proofD = MAC("dialler", ids, nonces)
 *
 * Both nonces are fresh per connection, so bytes recorded from an earlier link never
 * authenticate a new one; the two proofs carry different labels, so one side's proof cannot
 * be reflected as the other's; the ids are inside the MAC, so a claimed id cannot be changed
 * on the way. A peer that knows the secret may claim any server id (as with ZooKeeper's
 * DIGEST-MD5): quorum TLS binds ids to certificates. Pure: no sockets here.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { peerMagic } from './peer-frames.js';

export const authProtocolVersion = 2;
export const nonceBytes = 32;
export const proofBytes = 32;
export const usernameBytesMax = 255;

/** magic, version u8, fromId u32, toId u32, nonce, username length u8, then the username. */
const helloFixedBytes = peerMagic.length + 1 + 4 + 4 + nonceBytes + 1;
/** The largest hello body; a longer length prefix closes the connection. */
export const helloBodyBytesMax = helloFixedBytes + usernameBytesMax;

/** How the acceptor answers a hello. */
export const challengeStatus = {
  /** Authenticated challenge follows (nonce and proof). */
  challenge: 1,
  /** This acceptor has no quorum authentication: the dialler decides whether to go on. */
  unauthenticated: 2,
  /** Unknown user (or authentication refused): the connection closes. */
  refused: 3,
} as const;
export type ChallengeStatus = (typeof challengeStatus)[keyof typeof challengeStatus];

/** status u8, nonce, proof (zeros unless a challenge). */
export const challengeFrameBytes = 1 + nonceBytes + proofBytes;
export const proofFrameBytes = proofBytes;

/** The dialler's credentials (JAAS QuorumLearner). */
export interface LearnerCredentials {
  readonly username: string;
  readonly password: string;
}

/** Passwords by username (JAAS QuorumServer `user_<name>`). */
export type ServerCredentials = ReadonlyMap<string, string>;

export interface Hello {
  readonly fromId: number;
  readonly toId: number;
  readonly nonce: Buffer;
  readonly username: string;
}

export function encodeHello(hello: Hello): Buffer {
  const user = Buffer.from(hello.username, 'utf8');
  if (user.length > usernameBytesMax) throw new Error('quorum username over 255 bytes');
  const body = helloFixedBytes + user.length;
  const out = Buffer.alloc(4 + body);
  let offset = out.writeUInt32BE(body, 0);
  offset += peerMagic.copy(out, offset);
  offset = out.writeUInt8(authProtocolVersion, offset);
  offset = out.writeUInt32BE(hello.fromId, offset);
  offset = out.writeUInt32BE(hello.toId, offset);
  offset += hello.nonce.copy(out, offset);
  offset = out.writeUInt8(user.length, offset);
  user.copy(out, offset);
  return out;
}

/** Decodes a hello body (after its length prefix and the shared magic/version check). */
export function decodeHello(body: Buffer): Hello | string {
  if (body.length < helloFixedBytes) return `hello of ${body.length} bytes`;
  let offset = peerMagic.length + 1;
  const fromId = body.readUInt32BE(offset);
  const toId = body.readUInt32BE(offset + 4);
  offset += 8;
  const nonce = Buffer.from(body.subarray(offset, offset + nonceBytes));
  offset += nonceBytes;
  const userLength = body.readUInt8(offset);
  offset += 1;
  if (body.length !== offset + userLength) return 'hello length does not match its username';
  const username = body.toString('utf8', offset, offset + userLength);
  return { fromId, toId, nonce, username };
}

export function encodeChallenge(status: ChallengeStatus, nonce?: Buffer, proof?: Buffer): Buffer {
  const out = Buffer.alloc(challengeFrameBytes);
  out.writeUInt8(status, 0);
  nonce?.copy(out, 1);
  proof?.copy(out, 1 + nonceBytes);
  return out;
}

export interface Challenge {
  readonly status: number;
  readonly nonce: Buffer;
  readonly proof: Buffer;
}

export function decodeChallenge(frame: Buffer): Challenge {
  return {
    status: frame.readUInt8(0),
    nonce: frame.subarray(1, 1 + nonceBytes),
    proof: frame.subarray(1 + nonceBytes, challengeFrameBytes),
  };
}

type Role = 'acceptor' | 'dialler';

/** The proof `role` gives for the link `fromId → toId` with these nonces. */
export function proofOf(
  role: Role,
  password: string,
  hello: Pick<Hello, 'fromId' | 'toId' | 'nonce'>,
  acceptorNonce: Buffer,
): Buffer {
  const ids = Buffer.alloc(8);
  ids.writeUInt32BE(hello.fromId, 0);
  ids.writeUInt32BE(hello.toId, 4);
  return createHmac('sha256', password)
    .update(`warren-peer-auth/${role}`)
    .update(ids)
    .update(hello.nonce)
    .update(acceptorNonce)
    .digest();
}

/** Constant-time comparison of a received proof with the expected one. */
export function proofMatches(received: Buffer, expected: Buffer): boolean {
  return received.length === expected.length && timingSafeEqual(received, expected);
}
