/**
 * Generators and the oracle of the random garbage tests.
 *
 * Generators: random opcodes, jute-shaped random bodies (plausible fields with lying lengths
 * and edge-case ints), and mutations (bit flips, byte sets, inserts, deletes, truncation,
 * edge-case ints, duplicated slices) of valid requests.
 *
 * Oracle: whatever bytes were sent after a handshake, the test splits them into frames the
 * way the server must (length < 0 or > jute.maxbuffer is fatal, a short tail waits for more)
 * and derives what ZooKeeper would do with each frame: a header cut short closes the
 * connection, an unserved opcode is answered Unimplemented and closes it, closeSession is
 * answered and closes it, a ping is answered out of band with xid −2, auth and sasl may fail
 * and close, everything else gets exactly one reply, in order. judgeReplies() then checks every
 * frame the server sent: a whole ReplyHeader, a known error code, xids in request order,
 * Unimplemented for unserved opcodes, a success body that decodes exactly, a close only when
 * one was due, and no silence when a reply was due (a hang).
 */
import { JuteReader } from '../../src/protocol/jute-reader.js';
import { JuteWriter } from '../../src/protocol/jute-writer.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import { readReplyHeader, readWatcherEvent } from '../../src/protocol/records.js';
import { decodeResponse } from '../../src/protocol/responses.js';
import type { Prng } from '../support/prng.js';
import { JUTE_MAX_BUFFER, SERVED_OPCODES, VALID_ERR_CODES } from './wire.js';

const SERVED_LIST = [...SERVED_OPCODES].filter((op) => op !== OpCode.closeSession);
const EDGE_INTS = [
  0,
  1,
  -1,
  -2,
  2,
  4,
  5,
  16,
  31,
  100,
  0x7fffffff,
  -0x80000000,
  JUTE_MAX_BUFFER,
  JUTE_MAX_BUFFER + 1,
  0x10000,
];
const PATHS = ['/', '/fz', '/fz/a', '', 'x', '/fz//b', '/fz/', '/zookeeper', '/zookeeper/config'];

export function edgeInt(rng: Prng): number {
  return rng.chance(0.75) ? rng.pick(EDGE_INTS) : rng.nextU32() | 0;
}

/** Mostly opcodes the server serves (so bodies reach the decoders), some unknown ones. */
export function randomOpcode(rng: Prng): number {
  const r = rng.next();
  if (r < 0.85) return rng.pick(SERVED_LIST);
  if (r < 0.87) return OpCode.closeSession;
  if (r < 0.95) return rng.range(-20, 120);
  return rng.nextU32() | 0;
}

/** A body made of jute-looking fields: real strings, lying lengths, edge ints, raw bytes. */
export function randomJuteBody(rng: Prng): Buffer {
  const w = new JuteWriter(128);
  const fields = rng.int(8);
  for (let i = 0; i < fields; i++) {
    switch (rng.int(6)) {
      case 0:
        w.writeInt(edgeInt(rng));
        break;
      case 1:
        w.writeString(rng.chance(0.8) ? rng.pick(PATHS) : `/fz/${rng.int(1000)}`);
        break;
      case 2:
        w.writeInt(edgeInt(rng)).writeRaw(rng.bytes(rng.int(12)));
        break;
      case 3:
        w.writeByte(rng.chance(0.7) ? rng.int(2) : rng.range(-128, 127));
        break;
      case 4:
        w.writeLong(rng.chance(0.5) ? rng.range(-2, 5) : rng.int(2 ** 40));
        break;
      default:
        w.writeRaw(rng.bytes(rng.int(16)));
    }
  }
  return w.toBuffer();
}

/** One to three random edits of the bytes. */
export function mutate(rng: Prng, input: Buffer): Buffer {
  let b = Buffer.from(input);
  const edits = 1 + rng.int(3);
  for (let k = 0; k < edits; k++) {
    const at = rng.int(b.length + 1);
    switch (rng.int(7)) {
      case 0:
        if (at < b.length) b[at] = (b[at] as number) ^ (1 << rng.int(8));
        break;
      case 1:
        if (at < b.length) b[at] = rng.int(256);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.int(8)), b.subarray(at)]);
        break;
      case 3:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rng.int(8))]);
        break;
      case 4:
        b = b.subarray(0, at);
        break;
      case 5: {
        const edge = Buffer.alloc(4);
        edge.writeInt32BE(edgeInt(rng));
        b = Buffer.concat([b.subarray(0, at), edge, b.subarray(at + 4)]);
        break;
      }
      default: {
        const len = rng.int(Math.min(16, b.length) + 1);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
      }
    }
  }
  return b;
}

export type StreamEnd = 'clean' | 'badLength' | 'partial';

/** Splits a byte stream the way the server must. */
export function splitFrames(stream: Buffer): { frames: Buffer[]; end: StreamEnd } {
  const frames: Buffer[] = [];
  let at = 0;
  while (stream.length - at >= 4) {
    const len = stream.readInt32BE(at);
    if (len < 0 || len > JUTE_MAX_BUFFER) return { frames, end: 'badLength' };
    if (stream.length - at - 4 < len) return { frames, end: 'partial' };
    frames.push(stream.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return { frames, end: at === stream.length ? 'clean' : 'partial' };
}

export interface Plan {
  /** Requests that get an in-order reply (pings excluded), up to the one that closes. */
  requests: { xid: number; opcode: number }[];
  /** The server must close the connection (a frame it cannot take, or a closing request). */
  mustClose: boolean;
  /** The last frame is the sentinel and nothing before it closes: its reply is due. */
  sentinelDue: boolean;
  /** xid −1 or −2 on a request: replies to it look like notifications or ping replies. */
  ambiguous: boolean;
}

export function planFor(stream: Buffer, sentinelXid: number): Plan {
  const { frames, end } = splitFrames(stream);
  const plan: Plan = {
    requests: [],
    mustClose: end === 'badLength',
    sentinelDue: false,
    ambiguous: false,
  };
  for (const frame of frames) {
    if (frame.length < 8) {
      plan.mustClose = true;
      break;
    }
    const xid = frame.readInt32BE(0);
    const opcode = frame.readInt32BE(4);
    if (opcode === OpCode.ping) continue;
    if (xid === -1 || xid === -2) plan.ambiguous = true;
    plan.requests.push({ xid, opcode });
    if (!SERVED_OPCODES.has(opcode) || opcode === OpCode.closeSession) {
      plan.mustClose = true;
      break;
    }
  }
  const last = plan.requests[plan.requests.length - 1];
  plan.sentinelDue = !plan.mustClose && end === 'clean' && last?.xid === sentinelXid;
  return plan;
}

export interface Verdict {
  problems: string[];
  sentinelAnswered: boolean;
  /** The error code of every in-order reply, for the run's statistics. */
  codes: number[];
}

/** Checks the frames the server sent for a plan; `closed` is whether it closed afterwards. */
export function judgeReplies(plan: Plan, frames: Buffer[], closed: boolean): Verdict {
  const problems: string[] = [];
  const expected = plan.requests.filter((r) => r.xid !== -1 && r.xid !== -2);
  let next = 0;
  let authFailed = false;
  let sentinelAnswered = false;
  const codes: number[] = [];
  for (const frame of frames) {
    const problem = judgeFrame(frame, plan, expected, next);
    if (typeof problem === 'string') {
      problems.push(problem);
      break;
    }
    if (problem === null) continue;
    next++;
    codes.push(problem.err);
    const authenticating = problem.opcode === OpCode.auth || problem.opcode === OpCode.sasl;
    authFailed ||= authenticating && problem.err === -115;
    sentinelAnswered ||= next === expected.length && plan.sentinelDue;
  }
  if (closed && !plan.mustClose && !authFailed) {
    problems.push(`closed with no reason after ${next} of ${expected.length} replies`);
  }
  if (!closed && plan.mustClose) problems.push('left open though a close was due');
  if (!closed && plan.sentinelDue && !sentinelAnswered) {
    problems.push(`no reply to the sentinel: ${next} of ${expected.length} replies (a hang)`);
  }
  return { problems, sentinelAnswered, codes };
}

/** null: a notification or ping reply; else the request answered, or what is wrong. */
function judgeFrame(
  frame: Buffer,
  plan: Plan,
  expected: Plan['requests'],
  next: number,
): string | null | { opcode: number; err: number } {
  if (frame.length < 16) return `a ${frame.length}-byte reply frame`;
  const r = new JuteReader(frame);
  const header = readReplyHeader(r);
  if (!VALID_ERR_CODES.has(header.err)) return `reply err ${header.err} is no ZooKeeper code`;
  if (header.xid === -2) return null;
  if (header.xid === -1) {
    if (plan.ambiguous) return null;
    try {
      readWatcherEvent(r);
    } catch {
      return `undecodable notification ${frame.toString('hex')}`;
    }
    return header.err === 0 && r.remaining === 0 ? null : 'malformed notification';
  }
  const want = expected[next];
  if (want === undefined || want.xid !== header.xid) {
    return `reply xid ${header.xid} where ${want === undefined ? 'none' : want.xid} was due`;
  }
  if (!SERVED_OPCODES.has(want.opcode) && header.err !== -6) {
    return `opcode ${want.opcode} answered ${header.err}, not Unimplemented`;
  }
  if (header.err === 0) {
    try {
      decodeResponse(want.opcode, r);
    } catch (error) {
      return `undecodable op ${want.opcode} reply: ${String(error)} (${frame.toString('hex')})`;
    }
    if (r.remaining !== 0) return `op ${want.opcode} reply has ${r.remaining} extra bytes`;
  }
  return { opcode: want.opcode, err: header.err };
}
