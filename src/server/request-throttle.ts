/**
 * Server-wide request limits, after ZooKeeper's connection layer and RequestThrottler:
 *
 * - globalOutstandingLimit: past that many requests received and not answered over every
 *   connection, a connection with requests of its own outstanding is not read (as
 *   NIOServerCnxn.disableRecv); each connection may always have one request in.
 * - requestThrottleLimit: past that many requests started (handed to the tree or the write
 *   path) and not answered, later requests wait in their connection's queue, in order. They
 *   are looked at again when a request finishes and every requestThrottleStallTime ms: one
 *   held longer than its session's timeout is stale (requestThrottleDropStale) and its
 *   connection is closed, so nothing behind it runs out of order; one held longer than
 *   throttledOpWaitTime is answered ThrottledOp.
 * - warren.memoryBytesMax (memory-guard.ts, memory-holds.ts): while over it, connections
 *   that keep replies unsent are not read and their requests wait; when unsent replies are not
 *   what fills memory, no connection is read or served.
 * - replyBytesPerTurnMax: once that many reply bytes were built in one event-loop turn, the
 *   next requests of connections with replies still unsent wait for the next turn, so many
 *   clients pipelining big reads cannot hold the loop (and everyone else's answers) for
 *   seconds; a client that reads its replies goes on.
 * - requestsPerTurnMax: once that many requests (a multi's sub-ops each) started in one
 *   turn, the next ones wait for the next turn, first held first served: 100 clients
 *   pipelining 500 reads each made one turn answer 50k of them (hundreds of ms in which no
 *   timer, ping or other client ran). A ping counts as one too and, past the budget, is
 *   answered in a later turn, first come first served: 10k clients pinging at once had 10k
 *   socket writes flushed in one turn (210 ms). The turn ends at the check phase (soon): a
 *   wake from the stall timer starts no new budget.
 *
 * Held connections are at most every connection (warren.connectionsMax): no other queue.
 */
import { OpCode } from '../protocol/opcodes.js';
import { replyBytesPerTurnMax, requestsPerTurnMax } from '../util/limits.js';
import type { Runtime, Timer } from '../util/runtime.js';
import type { Connection } from './connection.js';
import { memoryHolds, type MemoryHold } from './memory-holds.js';
import type { DecodedFrame } from './request-handler.js';

export interface ThrottleSettings {
  globalOutstandingLimit: number;
  /** 0: the throttler is off. */
  maxRequests: number;
  stallMs: number;
  dropStale: boolean;
  /** 0: never answer ThrottledOp. */
  throttledOpWaitMs: number;
}

export interface ThrottleHost {
  readonly runtime: Runtime;
  /** Runs a connection's queued requests (request-queue.ts drain). */
  drain(conn: Connection): void;
  /** Answers `count` pings of a connection that waited for the turn budget. */
  answerPings(conn: Connection, count: number): void;
}

/** Whether a request may start now: go, wait in its queue, or be answered ThrottledOp. */
export type Admission = 'go' | 'hold' | 'throttled';

/** ZooKeeper's Request.isThrottlable, plus authentication (never throttled there either). */
const NEVER_THROTTLED: ReadonlySet<number> = new Set([
  OpCode.closeSession,
  OpCode.auth,
  OpCode.sasl,
]);

/**
 * What a request counts against requestsPerTurnMax: a multi counts its sub-ops. 16 pipelined
 * multis of 1000 creates were proposed and applied in one turn, 150-300 ms of loop.
 */
function requestWeight(f: DecodedFrame): number {
  const request = f.request;
  if (request === null || (request.type !== OpCode.multi && request.type !== OpCode.multiRead)) {
    return 1;
  }
  return Math.max(1, request.ops.length);
}

export class RequestThrottle {
  /** Requests received and not answered over every open connection (pings excluded). */
  outstanding = 0;
  /** Of those, the ones started and not answered. */
  inProcess = 0;
  /** Set by the memory guard: whom the bound holds (memory-holds.ts). */
  memoryHold: MemoryHold = 'none';
  /** Times a request had to wait for the throttler (ZooKeeper's request_throttle_wait_count). */
  waits = 0;
  /** Connections closed because the throttler held their request past the session timeout. */
  staleDropped = 0;
  /** Requests answered ThrottledOp after waiting past throttledOpWaitTime. */
  throttledOps = 0;
  /** Times a connection stopped being read for globalOutstandingLimit. */
  globalPauses = 0;
  /** Connections whose next request waits, first held first (insertion order). */
  private readonly held = new Map<Connection, number>();
  /** Connections not read because of globalOutstandingLimit. */
  private readonly paused = new Set<Connection>();
  /**
   * Connections whose next request waits for the memory bound alone: not in line with the
   * others (they would hold up everyone behind them); each goes on when it has read its
   * replies (drain) or the bound lets go.
   */
  private readonly memoryWaiting = new Set<Connection>();
  /** Pings waiting for a turn's budget, per connection, first come first served. */
  private readonly pings = new Map<Connection, number>();
  private wakeScheduled = false;
  /** Reply bytes built this turn; reset at the end of the turn. */
  private turnBytes = 0;
  /** Requests started this turn; reset with turnBytes. */
  private turnRequests = 0;
  private turnResetScheduled = false;
  private stallTimer: Timer | null = null;

  constructor(
    private readonly settings: ThrottleSettings,
    private readonly host: ThrottleHost,
  ) {}

  get heldConnections(): number {
    return this.held.size;
  }

  /** Bytes of a reply just queued for a client. */
  wrote(bytes: number): void {
    this.turnBytes += bytes;
    this.scheduleTurnReset();
  }

  private scheduleTurnReset(): void {
    if (this.turnResetScheduled) return;
    this.turnResetScheduled = true;
    this.host.runtime.soon(() => {
      this.turnResetScheduled = false;
      this.turnBytes = 0;
      this.turnRequests = 0;
    });
  }

  /** Work other than starting a request (copying a big child list) counted as `requests`. */
  spend(requests: number): void {
    if (requests <= 0) return;
    this.turnRequests += requests;
    this.scheduleTurnReset();
  }

  /**
   * A ping arrived: true when it may be answered now (it counts against the turn's budget);
   * otherwise it waits for a later turn's, behind the pings waiting already, and is answered
   * through host.answerPings.
   */
  admitPing(conn: Connection): boolean {
    if (this.pings.size === 0 && this.turnRequests < requestsPerTurnMax) {
      this.turnRequests++;
      this.scheduleTurnReset();
      return true;
    }
    this.pings.set(conn, (this.pings.get(conn) ?? 0) + 1);
    this.scheduleWake();
    return false;
  }

  /** Pings waiting for a turn's budget, over every connection. */
  get pingsWaiting(): number {
    let count = 0;
    for (const n of this.pings.values()) count += n;
    return count;
  }

  received(): void {
    this.outstanding++;
  }

  /** A request of an open connection was answered. */
  finished(): void {
    this.outstanding--;
    this.inProcess--;
    this.scheduleWake();
  }

  /** The connection closed: what it had outstanding no longer counts. */
  closed(conn: Connection): void {
    const queued = conn.waiting.length - conn.waitingHead;
    this.outstanding -= conn.outstanding;
    this.inProcess -= conn.outstanding - queued;
    this.held.delete(conn);
    this.paused.delete(conn);
    this.memoryWaiting.delete(conn);
    this.pings.delete(conn);
    this.scheduleWake();
  }

  /** Whether `conn` must not be read now (connection.ts asks on every change). */
  readsHeld(conn: Connection): boolean {
    if (memoryHolds(this.memoryHold, conn)) return true;
    const over = this.outstanding > this.settings.globalOutstandingLimit && conn.outstanding > 0;
    if (over && !this.paused.has(conn)) {
      this.paused.add(conn);
      this.globalPauses++;
    } else if (!over) {
      this.paused.delete(conn);
    }
    return over;
  }

  /**
   * Asked before a queued request starts; 'go' and 'throttled' count it as started.
   * `mayRefuse`: a ThrottledOp answer would not overtake an earlier reply.
   */
  admit(conn: Connection, f: DecodedFrame, mayRefuse: boolean): Admission {
    const { throttledOpWaitMs } = this.settings;
    if (this.memoryHold === 'heavy') {
      if (memoryHolds(this.memoryHold, conn)) {
        this.memoryWaiting.add(conn);
        if (this.held.delete(conn)) this.scheduleWake(); // no place in line while it waits
        return 'hold';
      }
      this.memoryWaiting.delete(conn);
    }
    // Throttled, first held is first served: a writer whose write just finished must not
    // overtake the ones waiting.
    const first = this.held.keys().next();
    const behind = this.settings.maxRequests > 0 && first.done !== true && first.value !== conn;
    // Only a client with replies still unsent waits for the next turn: one that keeps up
    // with its replies is not slowed by those that ask for more than they read.
    const turnSpent =
      this.turnRequests >= requestsPerTurnMax ||
      (this.turnBytes >= replyBytesPerTurnMax && conn.unsentBytes > 0);
    if (this.full() || behind || turnSpent) {
      if (!this.held.has(conn)) {
        this.held.set(conn, this.host.runtime.now());
        if (this.throttling()) this.waits++;
        this.startStallTimer();
      }
      if (turnSpent) this.scheduleWake();
      return 'hold';
    }
    const since = this.held.get(conn);
    this.held.delete(conn);
    this.inProcess++;
    this.turnRequests += requestWeight(f);
    this.scheduleTurnReset();
    if (since !== undefined) this.scheduleWake(); // the next held one may fit too
    const waited = since === undefined ? 0 : this.host.runtime.now() - since;
    const late = throttledOpWaitMs > 0 && waited > throttledOpWaitMs;
    if (late && mayRefuse && !NEVER_THROTTLED.has(f.opcode)) {
      this.throttledOps++;
      return 'throttled';
    }
    return 'go';
  }

  /**
   * The connection stopped before asking (its next request waits for its own writes, or it
   * has none): it holds no place in line, which would block everyone behind it.
   */
  notWaiting(conn: Connection): void {
    if (this.held.delete(conn)) this.scheduleWake();
  }

  /** The memory guard (re)decided whom it holds: pause or resume connections accordingly. */
  setMemoryHold(hold: MemoryHold, connections: Iterable<Connection>): void {
    const changed = hold !== this.memoryHold;
    this.memoryHold = hold;
    if (changed) for (const conn of connections) conn.updateBackpressure();
    if (hold !== 'all') this.scheduleWake();
  }

  /** Once per turn: resume paused connections and run held ones while there is room. */
  private scheduleWake(): void {
    const none =
      this.held.size === 0 &&
      this.paused.size === 0 &&
      this.memoryWaiting.size === 0 &&
      this.pings.size === 0;
    if (this.wakeScheduled || none) return;
    this.wakeScheduled = true;
    this.host.runtime.soon(() => {
      this.wakeScheduled = false;
      this.wake();
    });
  }

  private wake(): void {
    if (this.outstanding <= this.settings.globalOutstandingLimit) {
      for (const conn of [...this.paused]) conn.updateBackpressure();
    }
    // No reset of the turn's budget here: a wake from the stall timer runs within the turn
    // whose budget the requests of its I/O spend (it doubled a turn's requests); the budget
    // is reset once a turn, at its end (scheduleTurnReset).
    for (const [conn, count] of this.pings) {
      if (this.turnRequests >= requestsPerTurnMax) return this.scheduleWake();
      this.pings.delete(conn);
      this.turnRequests += count;
      this.scheduleTurnReset();
      this.host.answerPings(conn, count);
    }
    if (this.memoryHold !== 'all') {
      for (const conn of [...this.memoryWaiting]) {
        // 300 non-readers let go at once built 300 MB in one turn (a 2.9 s stall).
        if (this.turnSpent()) return this.scheduleWake();
        if (memoryHolds(this.memoryHold, conn)) continue;
        this.memoryWaiting.delete(conn);
        this.host.drain(conn);
      }
    }
    for (const conn of [...this.held.keys()]) {
      if (this.full()) break;
      if (this.turnSpent()) return this.scheduleWake();
      this.host.drain(conn);
    }
  }

  private turnSpent(): boolean {
    return this.turnBytes >= replyBytesPerTurnMax || this.turnRequests >= requestsPerTurnMax;
  }

  private full(): boolean {
    return this.memoryHold === 'all' || this.throttling();
  }

  /** The RequestThrottler's own limit is reached. */
  private throttling(): boolean {
    const { maxRequests } = this.settings;
    return maxRequests > 0 && this.inProcess >= maxRequests;
  }

  private startStallTimer(): void {
    if (this.stallTimer !== null) return;
    this.stallTimer = this.host.runtime.every(this.settings.stallMs, () => this.stall());
  }

  /** Every stall time while requests are held: drop stale ones, retry the rest. */
  private stall(): void {
    if (this.held.size === 0) {
      this.stallTimer?.cancel();
      this.stallTimer = null;
      return;
    }
    // Not while memory holds everyone: that pause is the server's, not the request's.
    if (this.settings.dropStale && this.memoryHold !== 'all') {
      const now = this.host.runtime.now();
      for (const [conn, since] of [...this.held]) {
        const timeoutMs = conn.session?.timeoutMs ?? conn.timeoutMs;
        if (timeoutMs > 0 && now - since > timeoutMs) {
          this.staleDropped++;
          conn.close();
        }
      }
    }
    this.wake();
  }

  close(): void {
    this.stallTimer?.cancel();
    this.stallTimer = null;
  }
}
