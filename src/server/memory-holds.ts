/**
 * Whom warren.memoryBytesMax holds while memory is over it. Holding every connection made a
 * well-behaved client wait as long as the worst one took to be closed (7.2 s seen with 300
 * clients not reading 1 MB replies). So the bound holds the connections whose own use is not
 * small: reply bytes unsent (they are not reading what they asked for, and their unsent
 * replies are what memory is full of) or many requests queued (each is a reply to come); the
 * others keep being served. Only when unsent replies are not what fills memory (the tree,
 * sessions, watches) would that free nothing: then everyone is held, as before.
 */
import { fail } from '../util/assert.js';
import {
  memoryLightOutputBytes,
  memoryLightOutstandingMax,
  memoryOvershootRatio,
  memoryRecheckBytes,
} from '../util/limits.js';

/** none: under the bound; heavy: connections with unsent replies over the light share; all. */
export type MemoryHold = 'none' | 'heavy' | 'all';

/** What the choice needs of a connection. */
export interface UnsentBytes {
  /** Reply bytes built and not yet handed to the network. */
  readonly unsentBytes: number;
  /** Requests received and not answered. */
  readonly outstanding: number;
}

/** Its use is not small: held while over the bound in 'heavy'. */
function heavy(conn: UnsentBytes): boolean {
  const { outstanding, unsentBytes } = conn;
  return unsentBytes > memoryLightOutputBytes || outstanding > memoryLightOutstandingMax;
}

/** Whether the bound holds this connection under `hold`. */
export function memoryHolds(hold: MemoryHold, conn: UnsentBytes): boolean {
  if (hold === 'none') return false;
  return hold === 'all' || heavy(conn);
}

/**
 * Over the bound by `excessBytes` (down to where reads may resume): hold the heavy ones if what
 * they keep unsent covers that excess, since closing or draining them then brings memory back;
 * otherwise hold everyone.
 */
export function chooseMemoryHold(
  connections: Iterable<UnsentBytes>,
  excessBytes: number,
): MemoryHold {
  if (excessBytes < 0) fail(`memory excess ${excessBytes}`);
  let unsent = 0;
  for (const conn of connections) {
    if (!heavy(conn)) continue;
    unsent += conn.unsentBytes;
    if (unsent >= excessBytes) return 'heavy';
  }
  return unsent >= excessBytes ? 'heavy' : 'all';
}

/** What the choice needs of the memory guard (memory-guard.ts). */
export interface Collections {
  /** Full collections run so far. */
  readonly collections: number;
  /** Runs one at the next check, however recent the last one. */
  collectSoon(): void;
}

/**
 * The choice over time. Whether holding the heavy ones will do is decided when the bound is
 * reached (and when everyone was held); then the heavy ones stay held, and the light ones
 * served, as long as memory stays within overshootBytes past the bound: once non-readers are
 * closed, memory still reads over for a while (their replies are garbage until collected, and
 * V8 counts freed Buffers down late), and holding everyone then made a reading client wait up
 * to 8 s. Past that overshoot everyone is held, so the bound holds, but only after one more
 * full collection (at the next check) still shows it. The overshoot counts from where the
 * heavy ones were first held, not from the bound: the bound is looked at every
 * memoryRecheckBytes of replies built, so they may be held up to that far past it, and
 * counting from the bound then held everyone for what the heavy ones had built (a reading
 * client waited 3.8 s in CI). Memory stays within recheck plus overshoot of the bound.
 */
export class MemoryHoldChoice {
  /** `collections` when one was asked for before holding everyone; null: none asked. */
  private askedAt: number | null = null;
  /** Bytes past the bound when this time over it first held the heavy ones; null: not yet. */
  private heavyFrom: number | null = null;

  constructor(
    private readonly guard: Collections,
    private readonly overshootBytes: number,
  ) {
    if (overshootBytes <= 0) fail(`memory overshoot ${overshootBytes}`);
  }

  /**
   * @param excessBytes live bytes over where reads resume
   * @param overBoundBytes live bytes over the bound itself (negative: under it)
   */
  next(
    over: boolean,
    current: MemoryHold,
    connections: Iterable<UnsentBytes>,
    excessBytes: number,
    overBoundBytes: number,
  ): MemoryHold {
    let hold: MemoryHold = 'none';
    if (over) hold = current === 'heavy' ? 'heavy' : chooseMemoryHold(connections, excessBytes);
    if (hold === 'none') this.heavyFrom = null;
    if (hold === 'heavy') this.heavyFrom ??= Math.max(0, overBoundBytes);
    if (hold === 'heavy' && overBoundBytes - (this.heavyFrom ?? 0) > this.overshootBytes) {
      hold = 'all';
    }
    if (hold !== 'all' || current !== 'heavy') {
      this.askedAt = null;
      return hold;
    }
    if (this.askedAt === null) {
      this.askedAt = this.guard.collections;
      this.guard.collectSoon();
    }
    return this.guard.collections > this.askedAt ? 'all' : 'heavy';
  }
}

/** How far past the bound light connections may still be served: a share of it. */
export function memoryOvershootBytes(bytesMax: number): number {
  return Math.max(memoryRecheckBytes, Math.round(bytesMax * memoryOvershootRatio));
}
