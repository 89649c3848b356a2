/**
 * Turns replies from two servers into comparable forms. Everything that legitimately differs
 * between two correct servers is taken out of the form and checked separately:
 * - zxids (header zxid, czxid/mzxid/pzxid) become 'Z' and are paired by a ZxidPairing, which
 *   insists that the pairing stays a strictly monotonic bijection;
 * - ctime/mtime become "zero or not"; per server, a TimeChecker insists that one zxid always
 *   comes with one time and that times are epoch milliseconds;
 * - session ids (ephemeralOwner) become the logical session name that owns them;
 * - lists documented as unordered (children, ephemerals, whoAmI) are sorted, and so are the
 *   digest entries an `auth` ACL expands into (see aclForm).
 */
import { createHash } from 'node:crypto';
import type { ACL, ReplyHeader, Stat } from '../../src/protocol/records.js';
import type { Response } from '../../src/protocol/responses.js';

export type Form = null | boolean | number | string | Form[] | { [key: string]: Form };

/** Pairs the zxids of the reference server with the candidate's, in order of appearance. */
export class ZxidPairing {
  private readonly refToCand = new Map<number, number>();
  private readonly candToRef = new Map<number, number>();
  /** Reference zxids seen so far, sorted ascending. */
  private readonly sorted: number[] = [];

  /** Records ref ↔ cand; returns a description of the inconsistency, or null. */
  pair(ref: number, cand: number): string | null {
    const known = this.refToCand.get(ref);
    if (known !== undefined) {
      return known === cand
        ? null
        : `reference zxid ${hex(ref)} was paired with ` +
            `${hex(known)} before, now with ${hex(cand)}`;
    }
    const back = this.candToRef.get(cand);
    if (back !== undefined) {
      return (
        `candidate zxid ${hex(cand)} was paired with reference ${hex(back)} before, ` +
        `now with ${hex(ref)}`
      );
    }
    const at = lowerBound(this.sorted, ref);
    const below = at > 0 ? this.sorted[at - 1] : undefined;
    const above = this.sorted[at];
    const belowCand = below === undefined ? undefined : this.refToCand.get(below);
    const aboveCand = above === undefined ? undefined : this.refToCand.get(above);
    if (below !== undefined && belowCand !== undefined && belowCand >= cand) {
      return (
        `zxid order differs: reference ${hex(below)} < ${hex(ref)} but candidate ` +
        `${hex(belowCand)} >= ${hex(cand)}`
      );
    }
    if (above !== undefined && aboveCand !== undefined && aboveCand <= cand) {
      return (
        `zxid order differs: reference ${hex(ref)} < ${hex(above)} but candidate ` +
        `${hex(cand)} >= ${hex(aboveCand)}`
      );
    }
    this.sorted.splice(at, 0, ref);
    this.refToCand.set(ref, cand);
    this.candToRef.set(cand, ref);
    return null;
  }

  /** The candidate zxid paired with a reference zxid, if any. */
  candidateOf(ref: number): number | undefined {
    return this.refToCand.get(ref);
  }
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function hex(n: number | bigint): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

const DAY_MS = 24 * 3600 * 1000;

/** Per server: one zxid, one time; times are epoch milliseconds near now. */
export class TimeChecker {
  private readonly timeOfZxid = new Map<number, number>();

  check(zxid: number, time: number, what: string, problems: string[]): void {
    if (zxid === 0) {
      if (time !== 0) problems.push(`${what} is ${time} for zxid 0 (special nodes have time 0)`);
      return;
    }
    if (Math.abs(time - Date.now()) > DAY_MS) {
      problems.push(`${what} ${time} is not epoch milliseconds near now`);
    }
    const known = this.timeOfZxid.get(zxid);
    if (known === undefined) this.timeOfZxid.set(zxid, time);
    else if (known !== time) {
      problems.push(`${what} ${time} for zxid ${hex(zxid)}, which had time ${known} before`);
    }
  }
}

/** What a side needs to normalise its replies. */
export interface SideView {
  /** Session id → logical name (s0, s1, ...) for sessions this run created. */
  sessions: Map<bigint, string>;
  times: TimeChecker;
}

/**
 * Known, reported differences that can be waived to look past them (WARREN_DIFF_WAIVE, a
 * comma-separated list): the comparison is strict unless a waiver is named.
 */
export const WAIVERS = {
  /** ZooKeeper 3.8.0 answers a create2 sub-op in multi with a type-1 result (no Stat). */
  'multi-create2-result': 'compare multi type-15 results as type-1 (path only)',
  /** ZooKeeper 3.8.0 answers an unknown opcode with zxid -1. */
  'unimplemented-zxid': 'do not compare the header zxid of Unimplemented replies',
  /** ZooKeeper closes a session's live connection when another attach fails its password. */
  'wrong-passwd-closes': 'skip the check that a failed attach closes the live connection',
  /** ZooKeeper's root node has empty (not null) data. */
  'root-null-data': 'treat null and empty data alike on nodes with czxid 0',
  /** ZooKeeper treats the path "" as a separate key in places (watches, counts). */
  'empty-path': 'leave the path "" out of the random operations',
} as const;
export type Waiver = keyof typeof WAIVERS;

/**
 * Differences Warren keeps on purpose, waived unless WARREN_DIFF_STRICT=1. Warren follows
 * ZooKeeper 3.9 (ZOOKEEPER-4026) where 3.8.0 drops the Stat of a create2 inside a multi.
 */
export const DELIBERATE_DIFFERENCES: readonly Waiver[] = ['multi-create2-result'];

export function waiversFromEnv(): Set<Waiver> {
  const out = new Set<Waiver>(process.env.WARREN_DIFF_STRICT === '1' ? [] : DELIBERATE_DIFFERENCES);
  for (const name of (process.env.WARREN_DIFF_WAIVE ?? '').split(',')) {
    const w = name.trim();
    if (w === '') continue;
    if (!(w in WAIVERS)) {
      throw new Error(`unknown waiver ${w}; known: ${Object.keys(WAIVERS).join(', ')}`);
    }
    out.add(w as Waiver);
  }
  return out;
}

/** A normalised reply: the form to compare and the zxids to pair, in structural order. */
export interface Normalised {
  form: Form;
  zxids: number[];
  /** Invariant violations within this side (time checks). */
  problems: string[];
}

class Normaliser {
  readonly zxids: number[] = [];
  readonly problems: string[] = [];

  constructor(
    private readonly side: SideView,
    private readonly waivers: ReadonlySet<Waiver>,
  ) {}

  zxid(z: number): Form {
    this.zxids.push(z);
    return 'Z';
  }

  session(id: bigint): Form {
    if (id === 0n) return 0;
    return this.side.sessions.get(id) ?? `unknown-session-${hex(id)}`;
  }

  stat(s: Stat): Form {
    const t = this.side.times;
    t.check(s.czxid, s.ctime, 'ctime', this.problems);
    t.check(s.mzxid, s.mtime, 'mtime', this.problems);
    if (s.czxid === s.mzxid && s.ctime !== s.mtime) {
      this.problems.push(`czxid == mzxid but ctime ${s.ctime} != mtime ${s.mtime}`);
    }
    return {
      czxid: this.zxid(s.czxid),
      mzxid: this.zxid(s.mzxid),
      pzxid: this.zxid(s.pzxid),
      ctime: s.ctime === 0 ? 0 : 'T',
      mtime: s.mtime === 0 ? 0 : 'T',
      version: s.version,
      cversion: s.cversion,
      aversion: s.aversion,
      ephemeralOwner: this.session(s.ephemeralOwner),
      dataLength: s.dataLength,
      numChildren: s.numChildren,
    };
  }

  private multiItem(type: number, err: number, response: Response): Form {
    if (type === 15 && response.kind === 'pathStat' && this.waivers.has('multi-create2-result')) {
      return { type: 1, err, res: { kind: 'path', path: response.path } };
    }
    return { type, err, res: this.response(response) };
  }

  response(res: Response): Form {
    switch (res.kind) {
      case 'empty':
        return { kind: 'empty' };
      case 'path':
        return { kind: 'path', path: res.path };
      case 'pathStat':
        return { kind: 'pathStat', path: res.path, stat: this.stat(res.stat) };
      case 'stat':
        return { kind: 'stat', stat: this.stat(res.stat) };
      case 'data': {
        const special = res.stat.czxid === 0 && this.waivers.has('root-null-data');
        const data = special && res.data === null ? Buffer.alloc(0) : res.data;
        return { kind: 'data', data: dataForm(data), stat: this.stat(res.stat) };
      }
      case 'storedData': {
        // Server-side form (latin1 string); clients always decode a Buffer.
        const data = res.data === null ? null : Buffer.from(res.data, 'latin1');
        return { kind: 'data', data: dataForm(data), stat: this.stat(res.stat) };
      }
      case 'acl':
        return { kind: 'acl', acl: aclForm(res.acl), stat: this.stat(res.stat) };
      case 'children':
        return { kind: 'children', children: sorted(res.children) };
      case 'children2':
        return { kind: 'children2', children: sorted(res.children), stat: this.stat(res.stat) };
      case 'count':
        return { kind: 'count', count: res.count };
      case 'paths':
        return { kind: 'paths', paths: sorted(res.paths) };
      case 'whoAmI':
        return {
          kind: 'whoAmI',
          clients: sorted(res.clients.map((c) => `${c.authScheme}:${c.user}`)),
        };
      case 'errorBody':
        return { kind: 'errorBody', err: res.err };
      case 'sasl':
        return { kind: 'sasl', token: dataForm(res.token) };
      case 'multi':
        return {
          kind: 'multi',
          results: res.results.map((r) => this.multiItem(r.type, r.err, r.response)),
        };
    }
  }
}

/**
 * ACL entries in order, except that each run of consecutive digest entries with the same
 * perms is sorted: that is what an `auth` entry expands into, and ZooKeeper expands it in the
 * hash order of the connection's identity set.
 */
function aclForm(acl: readonly ACL[]): Form {
  const out: Form[] = [];
  let run: string[] = [];
  let runPerms = 0;
  const flush = (): void => {
    for (const id of run.sort()) out.push([runPerms, 'digest', id]);
    run = [];
  };
  for (const a of acl) {
    const digest = a.id.scheme === 'digest';
    if (!digest || (run.length > 0 && a.perms !== runPerms)) flush();
    if (digest) {
      runPerms = a.perms;
      run.push(a.id.id);
    } else {
      out.push([a.perms, a.id.scheme, a.id.id]);
    }
  }
  flush();
  return out;
}

function sorted(items: readonly string[]): string[] {
  return [...items].sort();
}

function dataForm(data: Buffer | null): Form {
  if (data === null) return null;
  if (data.length <= 64) return `hex:${data.toString('hex')}`;
  const digest = createHash('sha1').update(data).digest('hex');
  return `${data.length} bytes, sha1 ${digest}`;
}

export function normaliseReply(
  side: SideView,
  header: ReplyHeader,
  response: Response | null,
  waivers: ReadonlySet<Waiver> = new Set(),
): Normalised {
  const n = new Normaliser(side, waivers);
  const skipZxid = header.err === -6 && waivers.has('unimplemented-zxid');
  const zxid = skipZxid ? 'waived' : n.zxid(header.zxid);
  const body = response === null ? null : n.response(response);
  return { form: { err: header.err, zxid, body }, zxids: n.zxids, problems: n.problems };
}

/** Deep equality of forms (plain JSON data). */
export function sameForm(a: Form, b: Form): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** JSON for messages: bigints as hex, Buffers as text when printable, else hex. */
export function show(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return hex(v);
    if (isBufferJson(v)) {
      const b = Buffer.from(v.data);
      if (b.length > 64) return `<${b.length} bytes: ${b.subarray(0, 16).toString('hex')}...>`;
      return /^[\x20-\x7e]*$/.test(b.toString('latin1'))
        ? `"${b.toString('latin1')}"`
        : `hex:${b.toString('hex')}`;
    }
    return v;
  });
}

function isBufferJson(v: unknown): v is { type: 'Buffer'; data: number[] } {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer';
}
