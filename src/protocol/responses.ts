/**
 * Reply bodies. The server writes them straight into a JuteWriter; clients (Warren's own,
 * tests, benchmarks) decode them by the opcode of the request they answer.
 */
import { JuteReader } from './jute-reader.js';
import type { JuteWriter } from './jute-writer.js';
import { OpCode } from './opcodes.js';
import {
  readACLs,
  readMultiHeader,
  readStat,
  writeACLs,
  writeMultiHeader,
  writeStat,
  type ACL,
  type Stat,
} from './records.js';

export interface ClientInfo {
  authScheme: string;
  user: string;
}

export type Response =
  | { kind: 'empty' }
  | { kind: 'path'; path: string }
  | { kind: 'pathStat'; path: string; stat: Stat }
  | { kind: 'stat'; stat: Stat }
  /** Decoded replies carry a Buffer; the server may hand stored bytes as a latin1 string. */
  | { kind: 'data'; data: Buffer | null; stat: Stat }
  | { kind: 'storedData'; data: string | null; stat: Stat }
  | { kind: 'acl'; acl: ACL[]; stat: Stat }
  | { kind: 'children'; children: string[] }
  | { kind: 'children2'; children: string[]; stat: Stat }
  | { kind: 'count'; count: number }
  | { kind: 'paths'; paths: string[] }
  | { kind: 'whoAmI'; clients: ClientInfo[] }
  | { kind: 'errorBody'; err: number }
  /** SetSASLResponse: the server's next SASL token; null is sent as jute's absent buffer. */
  | { kind: 'sasl'; token: Buffer | null }
  | { kind: 'multi'; results: MultiResult[] };

/** One sub-result of multi/multiRead: type -1 with err != 0 is an error item. */
export interface MultiResult {
  type: number;
  err: number;
  response: Response;
}

export const EMPTY: Response = { kind: 'empty' };

export function writeResponse(w: JuteWriter, res: Response): void {
  switch (res.kind) {
    case 'empty':
      return;
    case 'path':
      w.writeString(res.path);
      return;
    case 'pathStat':
      w.writeString(res.path);
      writeStat(w, res.stat);
      return;
    case 'stat':
      writeStat(w, res.stat);
      return;
    case 'data':
      w.writeBuffer(res.data);
      writeStat(w, res.stat);
      return;
    case 'storedData':
      w.writeBinaryString(res.data);
      writeStat(w, res.stat);
      return;
    case 'acl':
      writeACLs(w, res.acl);
      writeStat(w, res.stat);
      return;
    case 'children':
      w.writeStrings(res.children);
      return;
    case 'children2':
      w.writeStrings(res.children);
      writeStat(w, res.stat);
      return;
    case 'count':
      w.writeInt(res.count);
      return;
    case 'paths':
      w.writeStrings(res.paths);
      return;
    case 'whoAmI':
      w.writeInt(res.clients.length);
      for (const c of res.clients) w.writeString(c.authScheme).writeString(c.user);
      return;
    case 'errorBody':
      w.writeInt(res.err);
      return;
    case 'sasl':
      w.writeBuffer(res.token);
      return;
    case 'multi':
      for (const item of res.results) {
        writeMultiHeader(w, { type: item.type, done: false, err: item.err });
        writeResponse(w, item.response);
      }
      writeMultiHeader(w, { type: -1, done: true, err: -1 });
      return;
  }
}

function decodeMulti(r: JuteReader): Response {
  const results: MultiResult[] = [];
  for (;;) {
    const h = readMultiHeader(r);
    if (h.done) break;
    const response =
      h.type === OpCode.error
        ? ({ kind: 'errorBody', err: r.readInt() } as const)
        : decodeResponse(h.type, r);
    results.push({ type: h.type, err: h.err, response });
  }
  return { kind: 'multi', results };
}

/** Decodes the success body of a reply to a request of the given opcode. */
export function decodeResponse(op: number, r: JuteReader): Response {
  switch (op) {
    case OpCode.create:
      return { kind: 'path', path: r.readString() };
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return { kind: 'pathStat', path: r.readString(), stat: readStat(r) };
    case OpCode.exists:
    case OpCode.setData:
    case OpCode.setACL:
      return { kind: 'stat', stat: readStat(r) };
    case OpCode.getData:
    case OpCode.reconfig:
      return { kind: 'data', data: r.readBuffer(), stat: readStat(r) };
    case OpCode.getACL:
      return { kind: 'acl', acl: readACLs(r) ?? [], stat: readStat(r) };
    case OpCode.getChildren:
      return { kind: 'children', children: r.readStrings() };
    case OpCode.getChildren2:
      return { kind: 'children2', children: r.readStrings(), stat: readStat(r) };
    case OpCode.getAllChildrenNumber:
      return { kind: 'count', count: r.readInt() };
    case OpCode.getEphemerals:
      return { kind: 'paths', paths: r.readStrings() };
    case OpCode.sync:
      return { kind: 'path', path: r.readString() };
    case OpCode.whoAmI: {
      const n = r.readVectorLength();
      const clients: ClientInfo[] = [];
      for (let i = 0; i < n; i++)
        clients.push({ authScheme: r.readString(), user: r.readString() });
      return { kind: 'whoAmI', clients };
    }
    case OpCode.addWatch:
      return { kind: 'errorBody', err: r.readInt() };
    case OpCode.sasl:
      return { kind: 'sasl', token: r.readBuffer() };
    case OpCode.multi:
    case OpCode.multiRead:
      return decodeMulti(r);
    default:
      return EMPTY;
  }
}
