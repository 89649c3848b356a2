/**
 * An attacker with TCP access to a member's peer port: it claims another member's id and sends
 * real, well-formed peer messages of every kind that could hurt (a forwarded setACL carrying
 * the super identity, a vote and a leadership hand-over at a far higher term, a snapshot that
 * makes the victim the only voter, a reconfig, a session touch). Over plain TCP, or over TLS
 * with a certificate of the attacker's own.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Message } from '../../../src/consensus/index.js';
import { encodePeerMessage, type PeerMessage } from '../../../src/member/peer-messages.js';
import { encodeHandshake, frameKind, messageHeader } from '../../../src/peer/peer-frames.js';
import { OpCode, Perm } from '../../../src/protocol/opcodes.js';

const FORGED_TERM = 1_000_000;
/** Terms a forged forward claims, one each: a new test ensemble is in one of these. */
const FORGED_TERMS = 32;
const WORLD_ALL = [{ perms: Perm.all, id: { scheme: 'world', id: 'anyone' } }];

/** Messages that, if taken, would open `path` to anyone and upset leadership and membership. */
export function harmfulMessages(
  from: number,
  to: number,
  path: string,
  opts: { leaving?: readonly number[]; sessionId?: bigint } = {},
): PeerMessage[] {
  const sessionId = opts.sessionId ?? 1n;
  const raft = (message: Message): PeerMessage => ({ type: 'raft', message });
  return [
    ...forwardedSetAcl(path, sessionId),
    raft({
      type: 'vote',
      from,
      to,
      term: FORGED_TERM,
      lastIndex: 1e9,
      lastTerm: FORGED_TERM,
      transfer: true,
    }),
    raft({ type: 'timeoutNow', from, to, term: FORGED_TERM }),
    raft({
      type: 'snapshot',
      from,
      to,
      term: FORGED_TERM,
      snapshot: {
        meta: { index: 1e9, term: FORGED_TERM, membership: { voters: [to], learners: [] } },
        data: Buffer.alloc(0),
      },
    }),
    {
      type: 'reconfig',
      requestId: 2,
      sessionId,
      ids: [{ scheme: 'super', id: '' }],
      request: {
        type: OpCode.reconfig,
        joiningServers: '',
        leavingServers: (opts.leaving ?? []).join(','),
        newMembers: '',
        curConfigId: -1,
      },
    },
    { type: 'touch', sessionIds: [sessionId] },
  ];
}

/**
 * The forwarded setACL alone (for an ensemble that is meant to trust its peer port), once for
 * each of the first terms: a leader takes a forwarded write only in the term it was taken in,
 * and a forger would try them all.
 */
export function forwardedSetAcl(path: string, sessionId: bigint): PeerMessage[] {
  return Array.from({ length: FORGED_TERMS }, (_, i) => ({
    type: 'forward',
    requestId: 1 + i,
    input: {
      type: 'request',
      sessionId,
      ids: [{ scheme: 'super', id: '' }],
      request: { type: OpCode.setACL, path, acl: WORLD_ALL, version: -1 },
    },
    term: 1 + i,
  }));
}

function framed(messages: readonly PeerMessage[]): Buffer {
  const frames = messages.map((message) => {
    const body = encodePeerMessage(message);
    return Buffer.concat([messageHeader(frameKind.message, body.length), body]);
  });
  return Buffer.concat(frames);
}

/**
 * Dials `port` claiming to be `fromId`, sends the handshake and `messages` back to back, and
 * resolves when the member closes the connection (or after `lingerMs`).
 */
export async function sendForged(
  port: number,
  fromId: number,
  toId: number,
  messages: readonly PeerMessage[],
  opts: { tls?: tls.ConnectionOptions; lingerMs?: number } = {},
): Promise<void> {
  const socket =
    opts.tls === undefined
      ? net.createConnection({ host: '127.0.0.1', port })
      : tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts.tls });
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => {
    socket.once(opts.tls === undefined ? 'connect' : 'secureConnect', resolve);
    socket.once('close', resolve);
  });
  if (!socket.destroyed)
    socket.write(Buffer.concat([encodeHandshake(fromId, toId), framed(messages)]));
  const timer = setTimeout(() => socket.destroy(), opts.lingerMs ?? 5000);
  await closed;
  clearTimeout(timer);
}
