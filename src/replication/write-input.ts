/**
 * A write as a server hands it to the leader: a client request with the identities it was
 * sent with, a session change, or an internal action. Followers forward these (encoded here)
 * and the leader prepares them into txns; nothing is decided before the leader prepares, so a
 * forwarded write is validated against the latest state.
 */
import { DecodeError, JuteReader } from '../protocol/jute-reader.js';
import type { JuteWriter } from '../protocol/jute-writer.js';
import type { Id, SessionId } from '../protocol/records.js';
import {
  decodeRequest,
  encodeRequest,
  type MultiRequest,
  type SetACLRequest,
  type WriteSubRequest,
} from '../protocol/requests.js';
import { CLIENT_WRITE_OPCODES } from '../protocol/opcodes.js';
import { unreachable } from '../util/assert.js';

export type ClientWrite = WriteSubRequest | SetACLRequest | MultiRequest;

/**
 * `attach` names the client connection a session's write came on (SessionState.attach; 0:
 * none, an internal write). The leader refuses a write whose session has since attached
 * elsewhere (write-routing.ts): it is not part of the log, only of the forward.
 */
export type WriteInput =
  | {
      type: 'request';
      sessionId: SessionId;
      ids: readonly Id[];
      request: ClientWrite;
      attach?: number;
    }
  | { type: 'createSession'; sessionId: SessionId; timeoutMs: number; passwd: Buffer }
  | { type: 'closeSession'; sessionId: SessionId; attach?: number }
  /** Delete an empty container or expired TTL node if it still qualifies. */
  | { type: 'reap'; path: string }
  /** No change: its commit marks a point in the log (sync, linearizable reads). */
  | { type: 'barrier' }
  /** New server lines for /zookeeper/config (reconfig); `ids` must have WRITE on it. */
  | { type: 'setConfig'; sessionId: SessionId; ids: readonly Id[]; text: string };

const TAG = {
  request: 1,
  createSession: 2,
  closeSession: 3,
  reap: 4,
  barrier: 5,
  setConfig: 6,
} as const;

export function encodeWriteInput(w: JuteWriter, input: WriteInput): void {
  switch (input.type) {
    case 'request':
      w.writeByte(TAG.request).writeBigLong(input.sessionId);
      writeIds(w, input.ids);
      w.writeInt(input.request.type);
      encodeRequest(w, input.request);
      return;
    case 'setConfig':
      w.writeByte(TAG.setConfig).writeBigLong(input.sessionId);
      writeIds(w, input.ids);
      w.writeString(input.text);
      return;
    case 'createSession':
      w.writeByte(TAG.createSession).writeBigLong(input.sessionId).writeInt(input.timeoutMs);
      w.writeBuffer(input.passwd);
      return;
    case 'closeSession':
      w.writeByte(TAG.closeSession).writeBigLong(input.sessionId);
      return;
    case 'reap':
      w.writeByte(TAG.reap).writeString(input.path);
      return;
    case 'barrier':
      w.writeByte(TAG.barrier);
      return;
    default:
      unreachable(input);
  }
}

/** Decodes one input; a peer's garbage throws DecodeError (the caller drops the message). */
export function decodeWriteInput(r: JuteReader): WriteInput {
  const tag = r.readByte();
  switch (tag) {
    case TAG.setConfig: {
      const sessionId = r.readBigLong();
      const ids = readIds(r);
      return { type: 'setConfig', sessionId, ids, text: r.readString() };
    }
    case TAG.request: {
      const sessionId = r.readBigLong();
      const ids = readIds(r);
      const opcode = r.readInt();
      if (!CLIENT_WRITE_OPCODES.has(opcode))
        throw new DecodeError(`opcode ${opcode} is not a write`);
      const request = decodeRequest(opcode, r) as ClientWrite;
      return { type: 'request', sessionId, ids, request };
    }
    case TAG.createSession: {
      const sessionId = r.readBigLong();
      const timeoutMs = r.readInt();
      const passwd = r.readBuffer();
      if (passwd === null) throw new DecodeError('createSession without a password');
      return { type: 'createSession', sessionId, timeoutMs, passwd: Buffer.from(passwd) };
    }
    case TAG.closeSession:
      return { type: 'closeSession', sessionId: r.readBigLong() };
    case TAG.reap:
      return { type: 'reap', path: r.readString() };
    case TAG.barrier:
      return { type: 'barrier' };
    default:
      throw new DecodeError(`unknown write input tag ${tag}`);
  }
}

/** A connection's identities, as forwarded writes and reconfigs carry them. */
export function writeIds(w: JuteWriter, ids: readonly Id[]): void {
  w.writeInt(ids.length);
  for (const id of ids) w.writeString(id.scheme).writeString(id.id);
}

export function readIds(r: JuteReader): Id[] {
  const count = r.readInt();
  if (count < 0 || count > r.remaining) throw new DecodeError(`bad id count ${count}`);
  const ids: Id[] = [];
  for (let i = 0; i < count; i++) ids.push({ scheme: r.readString(), id: r.readString() });
  return ids;
}

export function writeInputFromBuffer(bytes: Buffer): WriteInput {
  const r = new JuteReader(bytes);
  const input = decodeWriteInput(r);
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} trailing bytes after write input`);
  return input;
}
