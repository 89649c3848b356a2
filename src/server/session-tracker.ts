/**
 * Live-session bookkeeping on top of the replicated session table in the tree: which
 * connection a session is attached to and when it expires. Expiry times are rounded up to the
 * next tick, as ZooKeeper does, so a session expires between T and T + tickTime after the
 * last request it sent.
 */
import type { SessionId } from '../protocol/records.js';
import { assert, fail } from '../util/assert.js';
import type { Connection } from './connection.js';

export interface SessionState {
  id: SessionId;
  timeoutMs: number;
  passwd: Buffer;
  expiresAt: number;
  /** Set once a close or expiry has been prepared: the session takes no more requests. */
  closing: boolean;
  /** The client asked to close (its reply goes out before the connection is ended). */
  closeRequested: boolean;
  /** Syncs of this session not yet answered: until then its writes wait too, to keep order. */
  pendingSyncs: number;
  /**
   * Writes of this session submitted and not yet applied, whichever connection sent them:
   * its other requests wait for them, so a read never overtakes the session's own write.
   */
  pendingWrites: number;
  /** The attached connection, if any. */
  connection: Connection | null;
  /**
   * A random token of the connection attached here last (0: never attached here). Writes
   * carry it to the leader, which refuses one whose session attached elsewhere since.
   */
  attach: number;
  /** The client address that created it here; null when it was created elsewhere. */
  address: string | null;
}

/** Session ids: never 0, never the container marker, never the TTL marker's top byte. */
const ID_MASK = 0x00ffffffffffffffn;

export class SessionTracker {
  private readonly sessions = new Map<SessionId, SessionState>();
  /** Live sessions by the address that created them (bounded by the sessions themselves). */
  private readonly byAddress = new Map<string, number>();
  private readonly idPrefix: bigint;

  constructor(
    private readonly tickTimeMs: number,
    serverId: number,
    private readonly randomBytes: (count: number) => Buffer,
  ) {
    assert(serverId >= 0 && serverId < 255, 'server id must fit in one byte below 0xff');
    // ZooKeeper's layout keeps the server id in the top byte; the other 56 bits are random
    // rather than a clock and a counter, so nobody can guess a live session's id from their
    // own (a guessed id plus a reattach used to knock the real client off).
    this.idPrefix = BigInt(serverId) << 56n;
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: SessionId): SessionState | undefined {
    return this.sessions.get(id);
  }

  all(): IterableIterator<SessionState> {
    return this.sessions.values();
  }

  /** A fresh, unpredictable id that no live session uses. */
  allocateId(): SessionId {
    for (;;) {
      const low = this.randomBytes(8).readBigUInt64BE(0) & ID_MASK;
      // Low bits zero: the id 0 or, for server 128, the container marker.
      if (low !== 0n && !this.sessions.has(this.idPrefix | low)) return this.idPrefix | low;
    }
  }

  newPassword(): Buffer {
    return this.randomBytes(16);
  }

  /** Live sessions created here by `address`. */
  countFrom(address: string): number {
    return this.byAddress.get(address) ?? 0;
  }

  register(
    id: SessionId,
    timeoutMs: number,
    passwd: Buffer,
    nowMs: number,
    address: string | null = null,
  ): SessionState {
    if (this.sessions.has(id)) fail(`session 0x${id.toString(16)} registered twice`);
    const state: SessionState = {
      id,
      timeoutMs,
      passwd,
      expiresAt: this.expiryFor(nowMs, timeoutMs),
      closing: false,
      closeRequested: false,
      pendingSyncs: 0,
      pendingWrites: 0,
      connection: null,
      attach: 0,
      address,
    };
    this.sessions.set(id, state);
    if (address !== null) this.byAddress.set(address, this.countFrom(address) + 1);
    return state;
  }

  remove(id: SessionId): SessionState | undefined {
    const state = this.sessions.get(id);
    this.sessions.delete(id);
    const address = state?.address ?? null;
    if (address !== null) {
      const count = this.countFrom(address) - 1;
      if (count > 0) this.byAddress.set(address, count);
      else this.byAddress.delete(address);
    }
    return state;
  }

  /** Every live session gets a full timeout from now (a new leader, a restart). */
  touchAll(nowMs: number): void {
    for (const state of this.sessions.values()) this.touch(state, nowMs);
  }

  touch(state: SessionState, nowMs: number): void {
    state.expiresAt = this.expiryFor(nowMs, state.timeoutMs);
  }

  private expiryFor(nowMs: number, timeoutMs: number): number {
    const tick = this.tickTimeMs;
    return Math.ceil((nowMs + timeoutMs) / tick) * tick;
  }

  /** Sessions past their expiry that are not already closing. */
  expired(nowMs: number): SessionState[] {
    const out: SessionState[] = [];
    for (const s of this.sessions.values()) if (!s.closing && s.expiresAt <= nowMs) out.push(s);
    return out;
  }
}
