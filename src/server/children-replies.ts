/**
 * getChildren and getChildren2 replies, and the big ones built over several event-loop turns
 * (issue 10: one reply of 1M names encoded in one go held every other client for 40-350 ms).
 *
 * - Consistency: the names are copied when the request's turn comes (1M names: 7-20 ms,
 *   counted against the turn's request budget), so the reply shows the list as of its place
 *   in the order whatever is applied while it is built, and its header carries that moment's
 *   zxid (a later one would tell a reconnecting client it saw changes it was never shown).
 * - Slices: the lists being built share childrenEncodeBytesPerTurn a turn, so other
 *   connections are answered between two slices.
 * - Order: the connection holds what is written to it meanwhile (watch events of writes
 *   applied during the build, ping replies) behind the reply, and its later requests wait
 *   (connection.ts holdOutput, request-queue.ts drain).
 * - Reuse: a built list is kept until its parent's children change, least recently used out
 *   first past childrenCacheBytesMax, as ZooKeeper keeps its getChildren2 replies
 *   (ZOOKEEPER-3560; LRU since ZOOKEEPER-4919). A request for a list being built waits for
 *   that build instead of copying and encoding the list again.
 *
 * A list longer than jute.maxbuffer is refused before it is built (Connection.refuseReply).
 */
import { Err } from '../protocol/error-codes.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import { STAT_BYTES, writeReplyHeader, writeStat, type Stat } from '../protocol/records.js';
import type { ZNode } from '../tree/data-tree.js';
import {
  childNamesPerRequest,
  childrenCacheBytesMax,
  childrenEncodeBytesPerTurn,
  childrenSliceBytesMin,
} from '../util/limits.js';
import type { Runtime } from '../util/runtime.js';
import { ChildListEncoding, encodesBeyond } from './child-list-encoding.js';
import type { Connection } from './connection.js';
import type { DecodedFrame } from './request-handler.js';

export interface ChildrenRepliesHost {
  readonly runtime: Runtime;
  /** Counts other work as this many requests of the turn's budget (request-throttle.ts). */
  spend(requests: number): void;
  /** A request was answered: count it done. */
  finished(conn: Connection, f: DecodedFrame): void;
  /** Runs the connection's queued requests (after a reply built over several turns). */
  drain(conn: Connection): void;
}

/**
 * What a parent's child list is as of now. The wire cversion (2·creations − numChildren) and
 * pzxid only grow with each change, and czxid tells a parent created again.
 */
interface ListKey {
  readonly czxid: number;
  readonly pzxid: number;
  readonly creations: number;
  readonly count: number;
}

const keyOf = (node: ZNode): ListKey => ({
  czxid: node.czxid,
  pzxid: node.pzxid,
  creations: node.creations,
  count: node.numChildren,
});

const sameKey = (a: ListKey, b: ListKey): boolean =>
  a.czxid === b.czxid && a.pzxid === b.pzxid && a.creations === b.creations && a.count === b.count;

interface Waiter {
  readonly conn: Connection;
  readonly f: DecodedFrame;
  /** The zxid when its names were read. */
  readonly zxid: number;
  /** getChildren2's stat as of then; null for getChildren. */
  readonly stat: Stat | null;
}

interface Build {
  readonly path: string;
  readonly key: ListKey;
  readonly encoding: ChildListEncoding;
  /** At most one per connection: a connection's later requests wait for this one. */
  readonly waiters: Waiter[];
}

interface Encoded {
  readonly key: ListKey;
  readonly parts: readonly Buffer[];
  readonly bytes: number;
}

export class ChildrenReplies {
  /** Replies sent from a kept list, and lists built over several turns. */
  hits = 0;
  builds = 0;
  /** Path → its encoded list; Map order is use order (least recent first). */
  private readonly kept = new Map<string, Encoded>();
  private keptBytes = 0;
  /** Path → its newest list being built, for later requests to wait for. */
  private readonly building = new Map<string, Build>();
  /** Builds to slice, next first; at most one per connection, so bounded by connections. */
  private queue: Build[] = [];
  private pumpScheduled = false;

  constructor(private readonly host: ChildrenRepliesHost) {}

  /** Bytes of encoded lists kept. */
  get cachedBytes(): number {
    return this.keptBytes;
  }

  /**
   * Answers a getChildren(2) of `node` (at normalised `path`), whose checks and watch are
   * done; `zxid` is the tree's last. `stat` for getChildren2, null for getChildren.
   */
  answer(
    conn: Connection,
    f: DecodedFrame,
    path: string,
    node: ZNode,
    zxid: number,
    stat: Stat | null,
  ): void {
    const key = keyOf(node);
    const kept = this.kept.get(path);
    if (kept !== undefined) {
      this.forget(path, kept);
      if (sameKey(kept.key, key)) {
        this.keep(path, kept); // now the most recently used
        this.hits++;
        conn.sendFrame(replyFrame(f.xid, zxid, kept, stat), zxid);
        return this.host.finished(conn, f);
      }
    }
    let build = this.building.get(path);
    if (build === undefined || !sameKey(build.key, key)) {
      const names = [...node.childNames()];
      this.host.spend(Math.floor(names.length / childNamesPerRequest));
      const fixedBytes = replyHeaderBytes + (stat === null ? 0 : STAT_BYTES);
      if (encodesBeyond(names, conn.replyBytesMax - fixedBytes + 1)) {
        conn.refuseReply(replyBytes(names, fixedBytes));
        return this.host.finished(conn, f);
      }
      if (!encodesBeyond(names, childrenEncodeBytesPerTurn)) {
        const children = names;
        const response =
          stat === null
            ? { kind: 'children' as const, children }
            : { kind: 'children2' as const, children, stat };
        conn.sendReply(f.xid, zxid, Err.ok, response);
        return this.host.finished(conn, f);
      }
      build = { path, key, encoding: new ChildListEncoding(names), waiters: [] };
      this.building.set(path, build);
      this.queue.push(build);
      this.builds++;
      this.schedulePump();
    }
    conn.holdOutput();
    build.waiters.push({ conn, f, zxid, stat });
  }

  /** The tree was replaced: nothing kept or being built describes it. */
  clear(): void {
    this.kept.clear();
    this.keptBytes = 0;
    this.building.clear();
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    this.host.runtime.soon(() => this.pump());
  }

  /**
   * One turn's slices: childrenEncodeBytesPerTurn shared evenly by the builds (a short list
   * is not kept waiting behind a long one), at least childrenSliceBytesMin each; those left
   * without a slice when it runs out go first next turn.
   */
  private pump(): void {
    this.pumpScheduled = false;
    const builds = this.queue;
    this.queue = [];
    let budget = childrenEncodeBytesPerTurn;
    const share = Math.max(childrenSliceBytesMin, Math.floor(budget / builds.length));
    const waiting: Build[] = [];
    const sliced: Build[] = [];
    for (const build of builds) {
      if (!build.waiters.some((w) => w.conn.state !== 'closed')) {
        this.drop(build); // nobody to answer
      } else if (budget <= 0) {
        waiting.push(build);
      } else {
        budget -= build.encoding.encodeSlice(Math.min(share, budget));
        if (!build.encoding.done) sliced.push(build);
        else this.finish(build);
      }
    }
    // Builds started meanwhile (a finished reply let its connection go on) come last.
    this.queue = [...waiting, ...sliced, ...this.queue];
    if (this.queue.length > 0) this.schedulePump();
  }

  private drop(build: Build): void {
    if (this.building.get(build.path) === build) this.building.delete(build.path);
  }

  private finish(build: Build): void {
    this.drop(build);
    const { parts, bytes } = build.encoding;
    const encoded: Encoded = { key: build.key, parts, bytes };
    const kept = this.kept.get(build.path);
    if (kept !== undefined) this.forget(build.path, kept);
    this.keep(build.path, encoded);
    for (const w of build.waiters) {
      if (w.conn.state === 'closed') continue;
      w.conn.releaseOutput(replyFrame(w.f.xid, w.zxid, encoded, w.stat), w.zxid);
      this.host.finished(w.conn, w.f);
      this.host.drain(w.conn);
    }
  }

  private keep(path: string, encoded: Encoded): void {
    if (encoded.bytes > childrenCacheBytesMax) return;
    for (const [oldest, entry] of this.kept) {
      if (this.keptBytes + encoded.bytes <= childrenCacheBytesMax) break;
      this.forget(oldest, entry);
    }
    this.kept.set(path, encoded);
    this.keptBytes += encoded.bytes;
  }

  private forget(path: string, entry: Encoded): void {
    this.kept.delete(path);
    this.keptBytes -= entry.bytes;
  }
}

/** xid, zxid and err. */
const replyHeaderBytes = 16;

/** A reply's length (without its length prefix): the list as UTF-8 and `fixedBytes`. */
function replyBytes(names: readonly string[], fixedBytes: number): number {
  let total = fixedBytes + 4;
  for (const name of names) total += 4 + Buffer.byteLength(name, 'utf8');
  return total;
}

/** A reply frame around an encoded list: length, header, the list, getChildren2's stat. */
function replyFrame(xid: number, zxid: number, list: Encoded, stat: Stat | null): Buffer[] {
  const length = replyHeaderBytes + list.bytes + (stat === null ? 0 : STAT_BYTES);
  const head = new JuteWriter(4 + replyHeaderBytes).writeInt(length);
  writeReplyHeader(head, xid, zxid, Err.ok);
  const frame = [head.view(), ...list.parts];
  if (stat !== null) {
    const tail = new JuteWriter(STAT_BYTES);
    writeStat(tail, stat);
    frame.push(tail.view());
  }
  return frame;
}
