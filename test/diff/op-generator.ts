/**
 * The seeded stream of operations for the random differential run. A light model of the tree
 * (paths the reference server said exist) biases choices towards nodes that exist, so
 * operations succeed often enough to build deep state, while random pool paths keep errors
 * and collisions frequent. Per client it tracks watch registrations to stay clear of the one
 * behaviour that differs between ZooKeeper 3.8 and 3.9 on purpose (§8.1/§25: a one-shot watch
 * and a persistent watch by the same connection on the same path, or two addWatch modes).
 */
import { OpCode } from '../../src/protocol/opcodes.js';
import type { PathWatchRequest, Request, WriteSubRequest } from '../../src/protocol/requests.js';
import type { Prng } from '../support/prng.js';
import type { Form, Waiver } from './normalise.js';
import {
  EPHEMERAL_PREFIXES,
  NAMES_1,
  NAMES_2,
  ODD_PATHS,
  OPEN_ACL,
  ROOT,
  SEQUENTIAL_PREFIXES,
  SPECIAL_PATHS,
  USERS,
  pickAcl,
  pickData,
  pickVersion,
  randomPoolPath,
} from './pools.js';

export interface SetWatchesStep {
  kind: 'setWatches';
  client: number;
  /** 'mark': relativeZxid = lastZxid at the previous setWatches or connect; 'now': current. */
  since: 'mark' | 'now';
  data: string[];
  exist: string[];
  child: string[];
  persistent: string[];
  recursive: string[];
}

export type Step =
  | { kind: 'send'; client: number; reqs: Request[] }
  | { kind: 'reconnect'; client: number }
  | { kind: 'reattach'; client: number }
  | SetWatchesStep;

/**
 * A multi (14) or multiRead (22) as a client may send it, with any sub-ops: read ops inside a
 * multi, write ops inside a multiRead. The decoder never yields one, so the type is loosened.
 */
export function looseMulti(type: 14 | 22, ops: (WriteSubRequest | PathWatchRequest)[]): Request {
  return { type, ops } as unknown as Request;
}

interface WatchState {
  /** Paths with a one-shot watch set at some point on this connection. */
  oneShot: Set<string>;
  /** Paths with an addWatch registration on this connection, and its mode. */
  persistent: Map<string, number>;
}

const HOUR_MS = 3_600_000;
/** TTLs for createTTL sub-ops: 0, negative, past 2^40 − 1 (too long), and valid ones. */
const TTLS = [0, -1, -5, 1, 2 ** 40 - 1, 2 ** 40, 2 ** 53, HOUR_MS];

/** Where a sub-op goes: first in its multi, and whether the multi is unreadable anyway. */
interface MultiPlace {
  first: boolean;
  unreadable: boolean;
}

export class OpGenerator {
  /** Paths the reference server has reported as existing (a hint, not the truth). */
  private readonly known = new Set<string>([ROOT]);
  private readonly watches: WatchState[];
  /** Path → clients that ever set a watch on it (never cleared). */
  private readonly everWatched = new Map<string, Set<number>>();

  private readonly oddPaths: string[];

  constructor(
    private readonly rng: Prng,
    private readonly clients: number,
    waivers: ReadonlySet<Waiver> = new Set(),
  ) {
    this.watches = Array.from({ length: clients }, () => freshWatchState());
    this.oddPaths = waivers.has('empty-path') ? ODD_PATHS.filter((p) => p !== '') : ODD_PATHS;
  }

  next(): Step {
    const client = this.rng.int(this.clients);
    const r = this.rng.next();
    if (r < 0.004) return this.connectionStep(client, 'reconnect');
    if (r < 0.008) return this.connectionStep(client, 'reattach');
    if (r < 0.02) return this.setWatches(client);
    if (r < 0.06) {
      const n = this.rng.range(2, 4);
      const reqs: Request[] = [];
      for (let k = 0; k < n; k++) reqs.push(this.request(client, false));
      return { kind: 'send', client, reqs };
    }
    return { kind: 'send', client, reqs: [this.request(client, true)] };
  }

  /** Feeds back the reference server's normalised reply to a request. */
  observe(req: Request, form: Form): void {
    const reply = form as { err: number; body: Form };
    const body = reply.body as { [key: string]: Form } | null;
    if (req.type === 'unknown') return;
    if (reply.err === -101 && 'path' in req && !isCreate(req.type)) this.known.delete(req.path);
    if (reply.err !== 0 || body === null) return;
    switch (req.type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL:
        this.known.add(body.path as string);
        return;
      case OpCode.delete:
        this.known.delete(req.path);
        return;
      case OpCode.getChildren:
      case OpCode.getChildren2:
        for (const c of body.children as string[]) this.known.add(joinPath(req.path, c));
        return;
      case OpCode.multi:
        this.observeMulti(req.ops, body.results as { err: number; res: { path?: string } }[]);
        return;
      default:
        return;
    }
  }

  private observeMulti(
    ops: WriteSubRequest[],
    results: { err: number; res: { path?: string } }[],
  ): void {
    if (results.some((r) => r.err !== 0)) return;
    ops.forEach((op, k) => {
      const path = results[k]?.res.path;
      if (isCreate(op.type) && path !== undefined) this.known.add(path);
      if (op.type === OpCode.delete) this.known.delete(op.path);
    });
  }

  private connectionStep(client: number, kind: 'reconnect' | 'reattach'): Step {
    this.connectionLost(client);
    return { kind, client };
  }

  /** The client's connection is gone, and its watches with it. */
  connectionLost(client: number): void {
    this.watches[client] = freshWatchState();
  }

  private state(client: number): WatchState {
    return this.watches[client] ?? freshWatchState();
  }

  /** A path the reference reported as existing; /d when there is none. */
  private knownPath(): string {
    return this.known.size === 0 ? ROOT : this.rng.pick([...this.known]);
  }

  private path(): string {
    const r = this.rng.next();
    if (r < 0.5) return this.knownPath();
    if (r < 0.9) return randomPoolPath(this.rng);
    if (r < 0.96) return this.rng.pick(SPECIAL_PATHS);
    return this.rng.pick(this.oddPaths);
  }

  /** A parent that likely exists, for creates. */
  private parent(): string {
    const r = this.rng.next();
    if (r < 0.75) return this.knownPath();
    if (r < 0.97) return randomPoolPath(this.rng);
    return this.rng.pick(['/', '/zookeeper', '/zookeeper/config']);
  }

  /**
   * One request. `alone` is false inside a pipelined burst, which leaves out auth (ZooKeeper
   * answers it ahead of earlier requests, §5.8) and setACL (ZooKeeper checks later requests
   * of the pipeline against the node's old ACL until the setACL is applied: its prep-stage
   * change record keeps the stale ACL, so the outcome depends on timing).
   */
  private request(client: number, alone: boolean): Request {
    const w = [
      22, // create family
      7, // delete
      9, // setData
      16, // exists/getData/getChildren/getChildren2
      3, // getACL
      alone ? 3 : 0, // setACL
      alone ? 2 : 0, // auth
      8, // multi
      3, // multiRead
      4, // addWatch/checkWatches/removeWatches
      2, // getEphemerals
      2, // getAllChildrenNumber
      1, // sync
      1, // whoAmI
    ];
    switch (this.rng.weighted(w)) {
      case 0:
        return this.create();
      case 1:
        return { type: 2, path: this.path(), version: pickVersion(this.rng) };
      case 2:
        return {
          type: 5,
          path: this.path(),
          data: pickData(this.rng),
          version: pickVersion(this.rng),
        };
      case 3:
        return this.read(client);
      case 4:
        return { type: 6, path: this.path() };
      case 5:
        return {
          type: 7,
          path: this.path(),
          acl: pickAcl(this.rng),
          version: pickVersion(this.rng),
        };
      case 6:
        return this.auth();
      case 7:
        return this.multi();
      case 8:
        return this.multiRead();
      case 9:
        return this.watchOp(client);
      case 10:
        return { type: 103, prefix: this.rng.pick(EPHEMERAL_PREFIXES) };
      case 11:
        return { type: 104, path: this.path() };
      case 12:
        return { type: 9, path: this.path() };
      default:
        return { type: 107 };
    }
  }

  private create(): Request {
    const r = this.rng.next();
    const parent = this.parent();
    const sequentialPath = (): string => joinPath(parent, this.rng.pick(SEQUENTIAL_PREFIXES));
    const plainPath = (): string => {
      const r2 = this.rng.next();
      if (r2 < 0.08) return this.rng.pick(this.oddPaths);
      if (r2 < 0.1) return ROOT;
      return joinPath(parent, this.childName());
    };
    const base = { data: pickData(this.rng), acl: pickAcl(this.rng), ttl: -1 };
    if (r < 0.08) return { ...base, type: 19, path: plainPath(), flags: 4 };
    if (r < 0.16) {
      const flags = this.rng.pick([5, 5, 6, 0]);
      let ttl = this.rng.chance(0.85) ? HOUR_MS : this.rng.pick([0, -1, 2 ** 40, 2 ** 40 - 1]);
      // Never op 21 with a non-TTL mode and a negative ttl: ZooKeeper 3.8.0 accepts it in prep,
      // then dies applying it (EphemeralType.TTL.toEphemeralOwner throws in SyncThread, the
      // JVM exits, and the logged txn makes every restart fail too).
      if (flags === 0 && ttl < 0) ttl = HOUR_MS;
      const path = flags === 6 ? sequentialPath() : plainPath();
      return { ...base, type: 21, path, flags, ttl };
    }
    const type = this.rng.chance(0.5) ? 1 : 15;
    const flags = this.rng.chance(0.96)
      ? this.rng.pick([0, 0, 0, 1, 1, 2, 3])
      : this.rng.pick([5, 6, 7, -1, 100]);
    const path = flags === 2 || flags === 3 ? sequentialPath() : plainPath();
    return { ...base, type, path, flags };
  }

  private childName(): string {
    return this.rng.pick(this.rng.chance(0.5) ? NAMES_1 : NAMES_2);
  }

  private read(client: number): Request {
    const type = this.rng.pick([3, 4, 8, 12] as const);
    const path = this.path();
    return { type, path, watch: this.rng.chance(0.4) && this.oneShotAllowed(client, path) };
  }

  private oneShotAllowed(client: number, path: string): boolean {
    const s = this.state(client);
    if (s.persistent.has(path)) return false;
    s.oneShot.add(path);
    this.noteWatcher(client, path);
    return true;
  }

  /** Records that a client set a watch on a path (kept across reconnects, conservatively). */
  private noteWatcher(client: number, path: string): void {
    const set = this.everWatched.get(path) ?? new Set<number>();
    set.add(client);
    this.everWatched.set(path, set);
  }

  private watchedByOthers(client: number, path: string): boolean {
    for (const c of this.everWatched.get(path) ?? []) if (c !== client) return true;
    return false;
  }

  private auth(): Request {
    const u = this.rng.pick(USERS);
    return { type: 100, scheme: 'digest', auth: Buffer.from(`${u.user}:${u.password}`) };
  }

  /**
   * getData/getChildren items; now and then a write sub-op mixed in, or write sub-ops alone
   * (MarshallingError, with an empty multi body when all are writes). Those write sub-ops are
   * ones ZooKeeper 3.8.0 and 3.9 both read (a readable multi's, not first: see
   * multiCreateFlags): 3.9 refuses the others while reading, before the reply is begun.
   */
  private multiRead(): Request {
    const n = this.rng.range(0, 4);
    const ops: (PathWatchRequest | WriteSubRequest)[] = Array.from({ length: n }, () => ({
      type: this.rng.pick([4, 8] as const),
      path: this.path(),
      watch: this.rng.chance(0.2),
    }));
    const r = this.rng.next();
    const writes = r < 0.05 ? this.rng.range(1, 3) : r < 0.12 ? 1 : 0;
    const alone = r < 0.05;
    const place = { first: false, unreadable: false };
    const written = Array.from({ length: writes }, () =>
      this.multiSub(this.multiPath(), false, place),
    );
    if (alone) return looseMulti(22, written);
    for (const w of written) ops.splice(this.rng.int(ops.length + 1), 0, w);
    return looseMulti(22, ops);
  }

  /**
   * A multi's sub-ops. About one in ten also holds a read or non-multi op, which ZooKeeper
   * cannot read: MarshallingError for the whole multi, an error txn that takes a zxid.
   */
  private multi(): Request {
    const n = this.rng.weighted([3, 20, 32, 25, 12, 8]);
    const unreadable = this.rng.chance(0.1);
    const ops: (WriteSubRequest | PathWatchRequest)[] = [];
    const touched: string[] = [];
    for (let k = 0; k < n; k++) {
      const dependent = touched.length > 0 && this.rng.chance(0.4);
      const base = dependent ? this.rng.pick(touched) : this.multiPath();
      const op = this.multiSub(base, dependent, { first: k === 0, unreadable });
      ops.push(op);
      touched.push(op.path);
    }
    if (unreadable) {
      const type = this.rng.pick([3, 4, 8, 12] as const);
      const read = { type, path: this.multiPath(), watch: this.rng.chance(0.2) };
      ops.splice(this.rng.int(n + 1), 0, read);
    }
    return looseMulti(14, ops);
  }

  /** Mostly paths that exist, so that a fair share of transactions commit. */
  private multiPath(): string {
    return this.rng.chance(0.7) ? this.knownPath() : this.path();
  }

  private multiSub(base: string, dependent: boolean, at: MultiPlace): WriteSubRequest {
    const kind = this.rng.weighted([40, 20, 20, 20]);
    const version = this.rng.chance(0.6) ? -1 : pickVersion(this.rng);
    if (kind === 1) return { type: 2, path: base, version };
    if (kind === 2) return { type: 5, path: base, data: pickData(this.rng), version };
    if (kind === 3) return { type: 13, path: base, version };
    const path = this.rng.chance(dependent ? 0.6 : 0.75) ? joinPath(base, this.childName()) : base;
    const data = pickData(this.rng);
    const r = this.rng.next();
    if (r < 0.2) {
      const flags = this.rng.pick([5, 5, 6, 0, 1, 2, 3, 4, 7, -1, 100]);
      const ttl = this.rng.chance(0.7) ? HOUR_MS : this.rng.pick(TTLS);
      const acl = this.rng.chance(0.9) ? OPEN_ACL : pickAcl(this.rng);
      return { type: 21, path: this.sequential(path, flags), data, acl, flags, ttl };
    }
    const type = this.rng.pick([1, 15, 19, 19] as const);
    const flags = this.multiCreateFlags(type, at);
    // ZOOKEEPER-4026: 3.9 cannot read a create, create2 or createContainer sub-op without an
    // ACL (CreateOptions requires one: MarshallingError, with no zxid); 3.8.0 says InvalidACL.
    let acl = this.rng.chance(0.9) ? OPEN_ACL : pickAcl(this.rng);
    if (acl === null) acl = OPEN_ACL;
    return { type, path: this.sequential(path, flags), data, acl, flags, ttl: -1 };
  }

  /**
   * The create mode of a create, create2 or createContainer sub-op. ZOOKEEPER-4026 changed how
   * ZooKeeper 3.9 reads these, so three cases are steered to where 3.8.0 answers alike:
   * - createContainer without the container flag is a plain (or ephemeral, sequential) node
   *   in 3.8.0, a container in 3.9: only flag 4, or a mode neither can read (below);
   * - a TTL mode is read as MarshallingError in 3.9, while 3.8.0 fails on it only in prep,
   *   after earlier sub-ops (which may fail first, or leave their changes pending): first only;
   * - an unknown flag is read as MarshallingError in 3.9, BadArguments in 3.8.0's prep: only
   *   in a multi that neither can read anyway.
   */
  private multiCreateFlags(type: 1 | 15 | 19, at: MultiPlace): number {
    const r = this.rng.next();
    if (r < 0.1 && (at.first || at.unreadable)) return this.rng.pick([5, 6]);
    if (r < 0.15 && at.unreadable) return this.rng.pick([7, -1, 100]);
    if (type === 19) return 4;
    return this.rng.pick([0, 0, 0, 1, 2, 3, 4]);
  }

  /** A sequential mode's path gets a prefix to number. */
  private sequential(path: string, flags: number): string {
    const seq = flags === 2 || flags === 3 || flags === 6;
    return seq ? joinPath(path, this.rng.pick(SEQUENTIAL_PREFIXES)) : path;
  }

  private watchOp(client: number): Request {
    const s = this.state(client);
    const path = this.path();
    const r = this.rng.next();
    if (r < 0.4) {
      const mode = this.rng.chance(0.97) ? this.rng.pick([0, 1]) : 2;
      const had = s.persistent.get(path);
      if (s.oneShot.has(path) || (had !== undefined && had !== mode)) return { type: 107 };
      if (mode !== 2) s.persistent.set(path, mode);
      if (mode !== 2) this.noteWatcher(client, path);
      return { type: 106, path, mode };
    }
    const type = this.rng.pick([17, 18] as const);
    // ZooKeeper 3.8.0's checkWatches answers OK when *any* connection watches the path (its
    // WatchManager.containsWatcher ignores the watcher): only ask where no other client ever
    // set a watch. removeWatches is per connection there, as documented.
    // It also answers MarshallingError for a path without a leading '/' (an internal
    // exception while walking parents), where the documented answer is NoWatcher.
    if (type === 17 && (this.watchedByOthers(client, path) || !path.startsWith('/'))) {
      return { type: 107 };
    }
    let watcherType = this.rng.pick([1, 2, 3, 3]);
    if (s.persistent.has(path) && watcherType !== 3) watcherType = 3;
    if (type === 18 && watcherType === 3) {
      s.persistent.delete(path);
      s.oneShot.delete(path);
    }
    return { type, path, watcherType };
  }

  private setWatches(client: number): SetWatchesStep {
    const s = this.state(client);
    const some = (oneShot: boolean): string[] => {
      const out: string[] = [];
      const n = this.rng.weighted([40, 35, 25]);
      for (let k = 0; k < n; k++) {
        const p = this.path();
        if (oneShot ? this.oneShotAllowed(client, p) : !s.oneShot.has(p) && !s.persistent.has(p)) {
          out.push(p);
        }
      }
      return out;
    };
    const data = some(true);
    const exist = some(true);
    const child = some(true);
    const withPersistent = this.rng.chance(0.3);
    const persistent = withPersistent ? some(false) : [];
    for (const p of persistent) {
      s.persistent.set(p, 0);
      this.noteWatcher(client, p);
    }
    const recursive = withPersistent ? some(false) : [];
    for (const p of recursive) {
      s.persistent.set(p, 1);
      this.noteWatcher(client, p);
    }
    const since = this.rng.chance(0.5) ? 'mark' : 'now';
    return { kind: 'setWatches', client, since, data, exist, child, persistent, recursive };
  }
}

function freshWatchState(): WatchState {
  return { oneShot: new Set(), persistent: new Map() };
}

function isCreate(type: number): boolean {
  return type === 1 || type === 15 || type === 19 || type === 21;
}

function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}
