/**
 * What each benchmark workload sends, and the znode layout it works on:
 *   <root>/k/<i>        the key set (get, set, exists, multi, mixed, watch), i < keys
 *   <root>/c<phase>     one parent per create phase; each session creates
 *                       <root>/c<phase>/w<worker>s<session>-<n>, n counting up (not sequential)
 *   <root>/d<phase>/<i> the nodes a delete phase deletes, created untimed first
 *   <root>/w/<p>/<i>    WIDE_PARENTS parents of `children` children each (children)
 *   <root>/lock         the lock the lock workload contends for (src/bench/lock-load.ts)
 * Requests are encoded with src/protocol (encodeRequest), exactly as a client would send them.
 * `idle` sends nothing but pings and `lock` goes through the client: neither has a source here.
 */
import { AddWatchMode, OpCode, Perm } from '../protocol/opcodes.js';
import type { ACL } from '../protocol/records.js';
import type { Request, SetDataRequest } from '../protocol/requests.js';

/** The four operations of `npm run bench` and `npm run bench:ensemble`. */
export const BENCH_OPS = ['create', 'get', 'set', 'mixed'] as const;
export type BenchOp = (typeof BENCH_OPS)[number];

/** Every workload of `warren bench`, in the order `all` runs them. */
export const WORKLOADS = [
  'create',
  'get',
  'set',
  'exists',
  'children',
  'multi',
  'mixed',
  'watch',
  'lock',
  'delete',
  'idle',
] as const;
export type Workload = (typeof WORKLOADS)[number];

/** mixed's read share when none is given: 90% getData, 10% setData. */
export const MIXED_READ_SHARE = 0.9;
/** children: how many wide parents getChildren picks from. */
export const WIDE_PARENTS = 4;

export const OPEN_ACL_UNSAFE: ACL[] = [{ perms: Perm.all, id: { scheme: 'world', id: 'anyone' } }];

export interface WorkloadSpec {
  op: Workload;
  root: string;
  keys: number;
  valueBytes: number;
  /** Index of this phase in the run: names the create and delete parents. */
  phase: number;
  /** mixed: share of reads (getData), 0..1; the rest are setData. */
  readShare?: number;
  /** children: children under each wide parent. */
  children?: number;
  /** multi: setData sub-operations per multi. */
  multiOps?: number;
  /** delete: nodes created for this phase, <root>/d<phase>/0..deleteNodes-1. */
  deleteNodes?: number;
}

/** The next request to send, or null when there is nothing more to send. */
export type RequestSource = () => Request | null;

export function isBenchOp(name: string): name is BenchOp {
  return (BENCH_OPS as readonly string[]).includes(name);
}

export function isWorkload(name: string): name is Workload {
  return (WORKLOADS as readonly string[]).includes(name);
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

export function deleteDir(root: string, phase: number): string {
  return `${root}/d${phase}`;
}

export function wideDir(root: string): string {
  return `${root}/w`;
}

export function wideParent(root: string, p: number): string {
  return `${wideDir(root)}/${p}`;
}

/** The path a create session writes its n-th node to. */
export function createdPath(root: string, phase: number, tag: string, n: number): string {
  return `${createDir(root, phase)}/${tag}-${n}`;
}

export function usesKeys(op: Workload): boolean {
  return ['get', 'set', 'exists', 'multi', 'mixed', 'watch'].includes(op);
}

/** Workloads the pipelined load generator drives (lock goes through the client instead). */
export function isPipelined(op: Workload): boolean {
  return op !== 'lock';
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

export function deleteRequest(path: string): Request {
  return { type: OpCode.delete, path, version: -1 };
}

/** What a watcher session of the watch workload sends once: one watch on the whole key set. */
export function watchRequest(root: string): Request {
  return { type: OpCode.addWatch, path: keysDir(root), mode: AddWatchMode.persistentRecursive };
}

/** Where one session sits among all of a phase's sessions, and its name in create paths. */
export interface SessionSlot {
  tag: string;
  seed: number;
  index: number;
  count: number;
}

/** An endless request stream for one session (delete ends when its share of nodes is gone). */
export function makeRequestSource(spec: WorkloadSpec, slot: SessionSlot): RequestSource {
  const value = makeValue(spec.valueBytes, slot.seed);
  const random = xorshift32(slot.seed);
  const keys = Array.from({ length: spec.keys }, (_, i) => keyPath(spec.root, i));
  const pickKey = (): string => keys[random() % keys.length]!;
  const get = (): Request => ({ type: OpCode.getData, path: pickKey(), watch: false });
  const set = (): SetDataRequest => ({
    type: OpCode.setData,
    path: pickKey(),
    data: value,
    version: -1,
  });
  switch (spec.op) {
    case 'create': {
      let n = 0;
      return () => createRequest(createdPath(spec.root, spec.phase, slot.tag, n++), value);
    }
    case 'get':
      return get;
    case 'set':
    case 'watch':
      return set;
    case 'exists':
      return () => ({ type: OpCode.exists, path: pickKey(), watch: false });
    case 'children': {
      const parents = Array.from({ length: WIDE_PARENTS }, (_, p) => wideParent(spec.root, p));
      return () => ({
        type: OpCode.getChildren,
        path: parents[random() % WIDE_PARENTS]!,
        watch: false,
      });
    }
    case 'multi': {
      const size = spec.multiOps ?? 1;
      return () => ({ type: OpCode.multi, ops: Array.from({ length: size }, set) });
    }
    case 'mixed': {
      const reads = Math.round((spec.readShare ?? MIXED_READ_SHARE) * 10_000);
      return () => (random() % 10_000 < reads ? get() : set());
    }
    case 'delete': {
      // Session index deletes i = index, index + count, ...: every node once, none twice.
      let i = slot.index;
      const end = spec.deleteNodes ?? 0;
      const dir = deleteDir(spec.root, spec.phase);
      return () => {
        if (i >= end) return null;
        const request = deleteRequest(`${dir}/${i}`);
        i += slot.count;
        return request;
      };
    }
    case 'idle':
    case 'lock':
      return () => null;
  }
}
