/**
 * What ensemble members say to each other besides Raft: a follower forwards its clients'
 * writes to the leader (which may refuse them), and relays which sessions are alive so that
 * the leader, which alone expires sessions, hears of every client's pings.
 */
import { decodeMessage, encodeMessage } from '../consensus/index.js';
import type { Message } from '../consensus/index.js';
import { DecodeError, JuteReader } from '../protocol/jute-reader.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import { OpCode } from '../protocol/opcodes.js';
import type { Id, SessionId } from '../protocol/records.js';
import { decodeRequest, encodeRequest, type ReconfigRequest } from '../protocol/requests.js';
import {
  decodeWriteInput,
  encodeWriteInput,
  readIds,
  writeIds,
  type WriteInput,
} from '../replication/write-input.js';
import { unreachable } from '../util/assert.js';
import { restoreForwardPartBytes, touchSessionsMax } from '../util/limits.js';
import type { RestoreOutcome } from './restore-outcome.js';

export type PeerMessage =
  | { type: 'raft'; message: Message }
  /** A follower's write for the leader to prepare; answered by the entry it becomes. */
  /** `term`: the Raft term in which the sender took it (see write-routing.ts). */
  | { type: 'forward'; requestId: number; input: WriteInput; term: number }
  /** The leader could not take a forwarded write (not leading, overloaded). */
  | { type: 'refused'; requestId: number; reason: string }
  /** Sessions whose clients were heard from since the last relay. */
  | { type: 'touch'; sessionIds: SessionId[] }
  /** A client's reconfig, which only the leader runs. */
  | {
      type: 'reconfig';
      requestId: number;
      sessionId: SessionId;
      ids: Id[];
      request: ReconfigRequest;
    }
  /** How a forwarded reconfig ended (0 = done; the config txn is in the log before this). */
  | { type: 'reconfigResult'; requestId: number; err: number }
  /** The sender asks the leader to hand it leadership (rqld). */
  | { type: 'leadership' }
  /** A client attached session `sessionId` at the sender, on connection `attach`. */
  | { type: 'attached'; sessionId: SessionId; attach: number; term: number }
  /** Part of an upload for the AdminServer's restore, to the leader (restore-forwarding.ts). */
  | { type: 'restorePart'; transferId: number; offset: number; total: number; bytes: Buffer }
  /** The leader took a part (`received` bytes so far), or the restore ended (`outcome`). */
  | { type: 'restoreReply'; transferId: number; received: number; outcome: RestoreOutcome | null };

const TAG = {
  raft: 1,
  forward: 2,
  refused: 3,
  touch: 4,
  reconfig: 5,
  reconfigResult: 6,
  leadership: 7,
  attached: 8,
  restorePart: 9,
  restoreReply: 10,
} as const;

/** The connection a write came on, or 0 (an internal write, or none known). */
function attachOf(input: WriteInput): number {
  return input.type === 'request' || input.type === 'closeSession' ? (input.attach ?? 0) : 0;
}

function readAttached(r: JuteReader): PeerMessage {
  const sessionId = r.readBigLong();
  const attach = r.readLong();
  return { type: 'attached', sessionId, attach, term: r.readLong() };
}

export function encodePeerMessage(message: PeerMessage): Buffer {
  if (message.type === 'raft') {
    // One byte of headroom for the tag: a snapshot is not copied a second time.
    const out = encodeMessage(message.message, 1);
    out[0] = TAG.raft;
    return out;
  }
  const w = new JuteWriter(256);
  switch (message.type) {
    case 'forward':
      w.writeByte(TAG.forward).writeLong(message.requestId);
      encodeWriteInput(w, message.input);
      w.writeLong(attachOf(message.input)).writeLong(message.term);
      break;
    case 'attached':
      w.writeByte(TAG.attached).writeBigLong(message.sessionId).writeLong(message.attach);
      w.writeLong(message.term);
      break;
    case 'refused':
      w.writeByte(TAG.refused).writeLong(message.requestId).writeString(message.reason);
      break;
    case 'touch':
      w.writeByte(TAG.touch).writeInt(message.sessionIds.length);
      for (const id of message.sessionIds) w.writeBigLong(id);
      break;
    case 'reconfig':
      w.writeByte(TAG.reconfig).writeInt(message.requestId).writeBigLong(message.sessionId);
      writeIds(w, message.ids);
      encodeRequest(w, message.request);
      break;
    case 'reconfigResult':
      w.writeByte(TAG.reconfigResult).writeInt(message.requestId).writeInt(message.err);
      break;
    case 'leadership':
      w.writeByte(TAG.leadership);
      break;
    case 'restorePart':
      w.writeByte(TAG.restorePart).writeLong(message.transferId).writeLong(message.offset);
      w.writeLong(message.total).writeBuffer(message.bytes);
      break;
    case 'restoreReply':
      w.writeByte(TAG.restoreReply).writeLong(message.transferId).writeLong(message.received);
      writeOutcome(w, message.outcome);
      break;
    default:
      unreachable(message);
  }
  return w.toBuffer();
}

/** Throws DecodeError (or the Raft codec's error) on anything malformed. */
export function decodePeerMessage(bytes: Buffer): PeerMessage {
  if (bytes.length === 0) throw new DecodeError('empty peer message');
  const tag = bytes[0];
  if (tag === TAG.raft) return { type: 'raft', message: decodeMessage(bytes.subarray(1)) };
  const r = new JuteReader(bytes);
  r.readByte();
  let message: PeerMessage;
  switch (tag) {
    case TAG.forward: {
      const requestId = r.readLong();
      const input = decodeWriteInput(r);
      const attach = r.readLong();
      if (attach !== 0 && (input.type === 'request' || input.type === 'closeSession')) {
        input.attach = attach;
      }
      message = { type: 'forward', requestId, input, term: r.readLong() };
      break;
    }
    case TAG.attached:
      message = readAttached(r);
      break;
    case TAG.refused:
      message = { type: 'refused', requestId: r.readLong(), reason: r.readString() };
      break;
    case TAG.touch: {
      const count = r.readInt();
      if (count < 0 || count > touchSessionsMax) throw new DecodeError(`touch of ${count}`);
      const sessionIds: SessionId[] = [];
      for (let i = 0; i < count; i++) sessionIds.push(r.readBigLong());
      message = { type: 'touch', sessionIds };
      break;
    }
    case TAG.reconfig: {
      const requestId = r.readInt();
      const sessionId = r.readBigLong();
      const ids = readIds(r);
      const request = decodeRequest(OpCode.reconfig, r) as ReconfigRequest;
      message = { type: 'reconfig', requestId, sessionId, ids, request };
      break;
    }
    case TAG.reconfigResult:
      message = { type: 'reconfigResult', requestId: r.readInt(), err: r.readInt() };
      break;
    case TAG.leadership:
      message = { type: 'leadership' };
      break;
    case TAG.restorePart: {
      const transferId = r.readLong();
      const offset = r.readLong();
      const total = r.readLong();
      const bytes = r.readBuffer() ?? Buffer.alloc(0);
      if (bytes.length > restoreForwardPartBytes) throw new DecodeError('restore part too big');
      message = { type: 'restorePart', transferId, offset, total, bytes };
      break;
    }
    case TAG.restoreReply: {
      const transferId = r.readLong();
      const received = r.readLong();
      message = { type: 'restoreReply', transferId, received, outcome: readOutcome(r) };
      break;
    }
    default:
      throw new DecodeError(`unknown peer message tag ${tag}`);
  }
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} trailing bytes in peer message`);
  return message;
}

/** A restore's outcome: none (0), done (1: index, backup index, nodes, sessions), refused (2). */
function writeOutcome(w: JuteWriter, outcome: RestoreOutcome | null): void {
  if (outcome === null) {
    w.writeByte(0);
  } else if (outcome.ok) {
    w.writeByte(1).writeLong(outcome.index).writeLong(outcome.backupIndex);
    w.writeLong(outcome.nodes).writeLong(outcome.sessions);
  } else {
    w.writeByte(2).writeInt(outcome.status).writeString(outcome.reason);
  }
}

function readOutcome(r: JuteReader): RestoreOutcome | null {
  const kind = r.readByte();
  if (kind === 0) return null;
  if (kind === 1) {
    const index = r.readLong();
    const backupIndex = r.readLong();
    return { ok: true, index, backupIndex, nodes: r.readLong(), sessions: r.readLong() };
  }
  if (kind !== 2) throw new DecodeError(`unknown restore outcome ${kind}`);
  return { ok: false, status: r.readInt(), reason: r.readString() };
}
