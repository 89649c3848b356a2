/**
 * The watch registry (protocol §8). Watches are keyed by session id (a session has at most
 * one connection; the server drops a session's watches when its connection goes). trigger()
 * turns one change event into at most one notification per session, consuming one-shot
 * watches; delivery is the server's job.
 */
import { EventType, WatcherType } from '../protocol/opcodes.js';
import type { ACL, SessionId } from '../protocol/records.js';
import type { ChangeEvent } from './apply.js';
import { watchOverheadBytes } from '../util/limits.js';
import { parentOf } from './path.js';

export interface Notification {
  sessionId: SessionId;
  type: EventType;
  path: string;
}

/**
 * The sessions watching one path: most paths have one watcher, held as itself (a Set of one
 * took about 130 of the 230 bytes a watch cost); a second one makes it a Set.
 */
type Watchers = SessionId | Set<SessionId>;
type Table = Map<string, Watchers>;

const single: SessionId[] = [];

/** The watchers as something to iterate (a one-element list for a single one, reused). */
function each(watchers: Watchers): Iterable<SessionId> {
  if (typeof watchers !== 'bigint') return watchers;
  single[0] = watchers;
  return single;
}

function addWatcher(table: Table, path: string, sessionId: SessionId): void {
  const watchers = table.get(path);
  if (watchers === undefined) table.set(path, sessionId);
  else if (typeof watchers !== 'bigint') watchers.add(sessionId);
  else if (watchers !== sessionId) table.set(path, new Set([watchers, sessionId]));
}

function removeWatcher(table: Table, path: string, sessionId: SessionId): void {
  const watchers = table.get(path);
  if (watchers === undefined) return;
  if (typeof watchers === 'bigint') {
    if (watchers === sessionId) table.delete(path);
    return;
  }
  watchers.delete(sessionId);
  if (watchers.size === 0) table.delete(path);
}

function watches(watchers: Watchers | undefined, sessionId: SessionId): boolean {
  if (watchers === undefined) return false;
  return typeof watchers === 'bigint' ? watchers === sessionId : watchers.has(sessionId);
}

interface SessionWatches {
  data: Set<string>;
  child: Set<string>;
  persistent: Set<string>;
  recursive: Set<string>;
}

export type Kind = keyof SessionWatches;
const KINDS: readonly Kind[] = ['data', 'child', 'persistent', 'recursive'];

const none: readonly Notification[] = Object.freeze([]);

/** A watch's estimated memory: its path (a one-byte string mostly) and the entries keyed by it. */
function watchBytes(path: string): number {
  return path.length + watchOverheadBytes;
}

/** Decides whether a session may see an event on a node with this ACL (READ permission). */
export type CanRead = (sessionId: SessionId, acl: readonly ACL[]) => boolean;

export class WatchManager {
  private readonly tables: Record<Kind, Table> = {
    data: new Map(),
    child: new Map(),
    persistent: new Map(),
    recursive: new Map(),
  };
  private readonly bySession = new Map<SessionId, SessionWatches>();
  private total = 0;
  private bytes = 0;
  /** Registrations refused by the byte budget, since start. */
  refusedForBytes = 0;

  /**
   * @param perSessionMax watches one session may hold (warren.watchesPerSessionMax)
   * @param bytesMax estimated bytes all watches may take (warren.watchBytesMax)
   */
  constructor(
    private readonly perSessionMax: number,
    private readonly bytesMax: number,
  ) {}

  get watchCount(): number {
    return this.total;
  }

  /** The estimated memory of every watch (watchBytes each). */
  get watchBytes(): number {
    return this.bytes;
  }

  /**
   * Registers a watch; false when the session is at its watch limit or all watches together
   * are at the byte budget.
   */
  add(kind: Kind, sessionId: SessionId, path: string): boolean {
    let own = this.bySession.get(sessionId);
    if (own === undefined) {
      own = { data: new Set(), child: new Set(), persistent: new Set(), recursive: new Set() };
      this.bySession.set(sessionId, own);
    }
    if (own[kind].has(path)) return true;
    const count = own.data.size + own.child.size + own.persistent.size + own.recursive.size;
    if (count >= this.perSessionMax) return false;
    if (this.bytes + watchBytes(path) > this.bytesMax) {
      this.refusedForBytes++;
      return false;
    }
    this.bytes += watchBytes(path);
    own[kind].add(path);
    addWatcher(this.tables[kind], path, sessionId);
    this.total++;
    return true;
  }

  has(kind: Kind, sessionId: SessionId, path: string): boolean {
    return this.bySession.get(sessionId)?.[kind].has(path) ?? false;
  }

  remove(kind: Kind, sessionId: SessionId, path: string): boolean {
    const own = this.bySession.get(sessionId);
    if (own === undefined || !own[kind].delete(path)) return false;
    removeWatcher(this.tables[kind], path, sessionId);
    this.total--;
    this.bytes -= watchBytes(path);
    return true;
  }

  removeSession(sessionId: SessionId): void {
    const own = this.bySession.get(sessionId);
    if (own === undefined) return;
    // Straight from the session's own sets, without copying them or looking the session up
    // again per watch: thousands of sessions dropped at once when the leader goes.
    for (const kind of KINDS) {
      const table = this.tables[kind];
      for (const path of own[kind]) {
        removeWatcher(table, path, sessionId);
        this.total--;
        this.bytes -= watchBytes(path);
      }
    }
    this.bySession.delete(sessionId);
  }

  /**
   * Removes up to `max` of a session's watches; once it has none left it is forgotten, as by
   * removeSession. Returns how many went: less than `max` means the session is done.
   */
  removeSessionSome(sessionId: SessionId, max: number): number {
    const own = this.bySession.get(sessionId);
    if (own === undefined) return 0;
    let removed = 0;
    for (const kind of KINDS) {
      const table = this.tables[kind];
      const paths = own[kind];
      for (const path of paths) {
        if (removed >= max) return removed;
        paths.delete(path);
        removeWatcher(table, path, sessionId);
        this.total--;
        this.bytes -= watchBytes(path);
        removed++;
      }
    }
    this.bySession.delete(sessionId);
    return removed;
  }

  /** checkWatches/removeWatches matching (3.9 semantics, protocol §5.7). */
  kindsFor(watcherType: number): Kind[] | null {
    switch (watcherType) {
      case WatcherType.children:
        return ['child'];
      case WatcherType.data:
        return ['data'];
      case WatcherType.any:
        return ['data', 'child', 'persistent', 'recursive'];
      case WatcherType.persistent:
        return ['persistent'];
      case WatcherType.persistentRecursive:
        return ['recursive'];
      default:
        return null;
    }
  }

  /** Notifications for one change event, in session-registration order, one per session. */
  trigger(event: ChangeEvent, canRead: CanRead): readonly Notification[] {
    // Most writes touch unwatched paths: answer those without allocating anything.
    if (this.total === 0 || !this.mayMatch(event)) return none;
    const notified = new Set<SessionId>();
    const path = event.path;
    if (event.type === EventType.nodeChildrenChanged) {
      this.collect('child', path, true, notified);
      this.collect('persistent', path, false, notified);
    } else {
      this.collect('data', path, true, notified);
      this.collect('persistent', path, false, notified);
      if (this.tables.recursive.size > 0) this.collectRecursive(path, notified);
      if (event.type === EventType.nodeDeleted) this.collect('child', path, true, notified);
    }
    const out: Notification[] = [];
    for (const sessionId of notified) {
      if (canRead(sessionId, event.acl)) out.push({ sessionId, type: event.type, path });
    }
    return out;
  }

  /** Whether any watch could fire for `event` (a cheap look before collecting). */
  private mayMatch(event: ChangeEvent): boolean {
    const { tables } = this;
    const path = event.path;
    if (tables.persistent.has(path) || tables.recursive.size > 0) return true;
    if (event.type === EventType.nodeChildrenChanged) return tables.child.has(path);
    if (tables.data.has(path)) return true;
    return event.type === EventType.nodeDeleted && tables.child.has(path);
  }

  private collect(kind: Kind, path: string, consume: boolean, into: Set<SessionId>): void {
    const sessions = this.tables[kind].get(path);
    if (sessions === undefined) return;
    const watching = [...each(sessions)];
    for (const sessionId of watching) into.add(sessionId);
    if (!consume) return;
    for (const sessionId of watching) this.remove(kind, sessionId, path);
  }

  private collectRecursive(path: string, into: Set<SessionId>): void {
    for (let p = path; p !== ''; p = parentOf(p)) {
      const sessions = this.tables.recursive.get(p);
      if (sessions !== undefined) for (const sessionId of each(sessions)) into.add(sessionId);
    }
  }

  /** For wchs: sessions with data watches, watched data paths, data watches in total. */
  dataSummary(): { sessions: number; paths: number; watches: number } {
    let watches = 0;
    let sessions = 0;
    for (const own of this.bySession.values()) {
      if (own.data.size > 0) sessions++;
      watches += own.data.size;
    }
    return { sessions, paths: this.tables.data.size, watches };
  }

  /*
   * The listings below are lazy, so wchc/wchp can be answered in slices across event-loop
   * turns; a watch added or removed meanwhile may or may not be listed (Map iteration).
   * Each yields a value once although it may be in several kinds: later kinds skip what an
   * earlier one holds.
   */

  /** Every path a session watches. */
  *watchedBy(sessionId: SessionId): Generator<string> {
    const own = this.bySession.get(sessionId);
    if (own === undefined) return;
    yield* own.data;
    for (const path of own.child) if (!own.data.has(path)) yield path;
    for (const path of own.persistent) {
      if (!own.data.has(path) && !own.child.has(path)) yield path;
    }
    for (const path of own.recursive) {
      if (!own.data.has(path) && !own.child.has(path) && !own.persistent.has(path)) yield path;
    }
  }

  /** Every session watching a path. */
  *watchersOf(path: string): Generator<SessionId> {
    const sets = KINDS.map((kind) => this.tables[kind].get(path));
    for (let k = 0; k < sets.length; k++) {
      const watchers = sets[k];
      if (watchers === undefined) continue;
      for (const sessionId of [...each(watchers)]) {
        let seen = false;
        for (let e = 0; e < k && !seen; e++) seen = watches(sets[e], sessionId);
        if (!seen) yield sessionId;
      }
    }
  }

  /** Every watched path. */
  *watchedPaths(): Generator<string> {
    const { data, child, persistent, recursive } = this.tables;
    yield* data.keys();
    for (const path of child.keys()) if (!data.has(path)) yield path;
    for (const path of persistent.keys()) if (!data.has(path) && !child.has(path)) yield path;
    for (const path of recursive.keys()) {
      if (!data.has(path) && !child.has(path) && !persistent.has(path)) yield path;
    }
  }
}
