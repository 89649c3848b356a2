/**
 * The client's watch tables, keyed by server path: one-shot data, exist and child watchers,
 * and persistent and persistent-recursive listeners. It picks the watchers a notification
 * fires (one-shot ones are consumed; recursive ones also match descendants, never for
 * NodeChildrenChanged) and builds the setWatches/setWatches2 frames that restore everything on
 * a new connection, split so no frame carries more than ~128 KiB of paths.
 */
import { EventType, OpCode } from '../protocol/opcodes.js';
import type { SetWatchesRequest } from '../protocol/requests.js';
import type { Watcher, WatcherKind } from './types.js';

type Table = Map<string, Set<Watcher>>;

/** Path bytes per setWatches frame (the Java client's SET_WATCHES_MAX_LENGTH). */
export const setWatchesPathBytesMax = 128 * 1024;

function add(table: Table, path: string, watcher: Watcher): void {
  let set = table.get(path);
  if (set === undefined) table.set(path, (set = new Set()));
  set.add(watcher);
}

function take(table: Table, path: string, into: Set<Watcher>): void {
  const set = table.get(path);
  if (set === undefined) return;
  table.delete(path);
  for (const w of set) into.add(w);
}

function copy(table: Table, path: string, into: Set<Watcher>): void {
  for (const w of table.get(path) ?? []) into.add(w);
}

export class WatchTable {
  readonly data: Table = new Map();
  readonly exist: Table = new Map();
  readonly child: Table = new Map();
  readonly persistent: Table = new Map();
  readonly recursive: Table = new Map();

  addData(path: string, w: Watcher): void {
    add(this.data, path, w);
  }
  addExist(path: string, w: Watcher): void {
    add(this.exist, path, w);
  }
  addChild(path: string, w: Watcher): void {
    add(this.child, path, w);
  }
  addPersistent(path: string, w: Watcher, recursive: boolean): void {
    add(recursive ? this.recursive : this.persistent, path, w);
  }

  /**
   * Drops one persistent listener (a watch stream that ended); true when no listener of that
   * mode is left at the path, so the server's watch can go too.
   */
  dropPersistent(path: string, w: Watcher, recursive: boolean): boolean {
    const table = recursive ? this.recursive : this.persistent;
    const set = table.get(path);
    set?.delete(w);
    if (set !== undefined && set.size > 0) return false;
    table.delete(path);
    return true;
  }

  /** The watchers a notification fires; one-shot ones are removed from the tables. */
  fire(type: number, path: string): Set<Watcher> {
    const out = new Set<Watcher>();
    if (type === EventType.nodeChildrenChanged) {
      take(this.child, path, out);
    } else {
      take(this.data, path, out);
      take(this.exist, path, out);
      if (type === EventType.nodeDeleted) take(this.child, path, out);
      for (let p = path; ; p = parentOf(p)) {
        copy(this.recursive, p, out);
        if (p === '/') break;
      }
    }
    copy(this.persistent, path, out);
    return out;
  }

  /** Drops local watchers of a kind at a path (what removeWatches does on the server). */
  remove(path: string, kind: WatcherKind): void {
    const any = kind === 'any';
    if (any || kind === 'data') {
      this.data.delete(path);
      this.exist.delete(path);
    }
    if (any || kind === 'children') this.child.delete(path);
    if (any || kind === 'persistent') this.persistent.delete(path);
    if (any || kind === 'persistentRecursive') this.recursive.delete(path);
  }

  get isEmpty(): boolean {
    return [this.data, this.exist, this.child, this.persistent, this.recursive].every(
      (t) => t.size === 0,
    );
  }

  /**
   * setWatches (101) frames, or setWatches2 (105) when any persistent watch exists (older
   * servers do not know 105), each with at most setWatchesPathBytesMax bytes of paths.
   */
  restoreRequests(relativeZxid: number): SetWatchesRequest[] {
    const two = this.persistent.size > 0 || this.recursive.size > 0;
    const lists = [this.data, this.exist, this.child, this.persistent, this.recursive];
    const out: SetWatchesRequest[] = [];
    let current: string[][] = lists.map(() => []);
    let bytes = 0;
    const flush = (): void => {
      const [data, exist, child, persistent, recursive] = current;
      out.push({
        type: two ? OpCode.setWatches2 : OpCode.setWatches,
        relativeZxid,
        dataWatches: data ?? [],
        existWatches: exist ?? [],
        childWatches: child ?? [],
        persistentWatches: persistent ?? [],
        persistentRecursiveWatches: recursive ?? [],
      });
      current = lists.map(() => []);
      bytes = 0;
    };
    lists.forEach((table, i) => {
      for (const path of table.keys()) {
        const size = Buffer.byteLength(path) + 4;
        if (bytes > 0 && bytes + size > setWatchesPathBytesMax) flush();
        current[i]?.push(path);
        bytes += size;
      }
    });
    if (bytes > 0) flush();
    return out;
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}
