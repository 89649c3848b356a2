/**
 * What each benchmark operation sends, and the znode layout it works on:
 *   <root>/k/<i>     the pre-populated key set (get, set, mixed), i < keys
 *   <root>/c<phase>  one parent per create phase; each session creates
 *                    <root>/c<phase>/w<worker>s<session>-<n>, n counting up (not sequential)
 * Requests are encoded with src/protocol (encodeRequest), exactly as a client would send them.
 */
import { OpCode, Perm } from '../protocol/opcodes.js';
import type { ACL } from '../protocol/records.js';
import type { Request } from '../protocol/requests.js';

export const BENCH_OPS = ['create', 'get', 'set', 'mixed'] as const;
export type BenchOp = (typeof BENCH_OPS)[number];

/** mixed: this percentage of requests are getData, the rest setData. */
export const MIXED_READ_PERCENT = 90;

export const OPEN_ACL_UNSAFE: ACL[] = [{ perms: Perm.all, id: { scheme: 'world', id: 'anyone' } }];

export interface WorkloadSpec {
  op: BenchOp;
  root: string;
  keys: number;
  valueBytes: number;
  /** Index of this phase in the run: names the create parent. */
  phase: number;
}

/** The next request to send, or null when there is nothing more to send. */
export type RequestSource = () => Request | null;

export function isBenchOp(name: string): name is BenchOp {
  return (BENCH_OPS as readonly string[]).includes(name);
}

export function keysDir(root: string): string {
  return `${root}/k`;
}

export function keyPath(root: string, i: number): string {
  return `${keysDir(root)}/${i}`;
}

export function createDir(root: string, phase: number): string {
  return `${root}/c${phase}`;
}

export function usesKeys(op: BenchOp): boolean {
  return op !== 'create';
}

/** A value of the given size; printable bytes, different per seed. */
export function makeValue(valueBytes: number, seed: number): Buffer {
  const value = Buffer.alloc(valueBytes);
  const next = xorshift32(seed);
  for (let i = 0; i < valueBytes; i++) value[i] = 0x61 + (next() % 26);
  return value;
}

/** A small fast PRNG (Marsaglia xorshift32): uniform enough to pick keys. */
export function xorshift32(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

export function createRequest(path: string, data: Buffer): Request {
  return { type: OpCode.create, path, data, acl: OPEN_ACL_UNSAFE, flags: 0, ttl: -1 };
}

/** An endless request stream for one session. `tag` makes create paths unique per session. */
export function makeRequestSource(spec: WorkloadSpec, tag: string, seed: number): RequestSource {
  const value = makeValue(spec.valueBytes, seed);
  const random = xorshift32(seed);
  const keys = Array.from({ length: spec.keys }, (_, i) => keyPath(spec.root, i));
  const pickKey = (): string => keys[random() % keys.length]!;
  const get = (): Request => ({ type: OpCode.getData, path: pickKey(), watch: false });
  const set = (): Request => ({ type: OpCode.setData, path: pickKey(), data: value, version: -1 });
  switch (spec.op) {
    case 'create': {
      const prefix = `${createDir(spec.root, spec.phase)}/${tag}-`;
      let n = 0;
      return () => createRequest(prefix + String(n++), value);
    }
    case 'get':
      return get;
    case 'set':
      return set;
    case 'mixed':
      return () => (random() % 100 < MIXED_READ_PERCENT ? get() : set());
  }
}
