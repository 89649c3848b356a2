/**
 * warren.memoryBytesMax: the last line behind the per-client budgets. Live memory (V8 heap in
 * use plus Buffers) is sampled every memoryCheckIntervalMs; over the bound, a full collection
 * first tells garbage from live data, and if it is still over, the connections that keep
 * replies unsent or many requests queued are not read nor served (memory-holds.ts; everyone
 * when that cannot free enough) until it is back under memoryResumeRatio of the bound.
 * Replies already built keep flowing and writes already started finish, which is what brings
 * memory back down. Meanwhile each connection's output budget shrinks to one maximal reply
 * (jute.maxbuffer), so a client that does not read what it asked for is closed after
 * warren.clientStallMs as usual, and the others are only paused. Resident memory is not the
 * measure: freed Buffers can stay resident (the allocator keeps them), and a bound on it could
 * then never be left again.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  memoryCheckIntervalMs,
  memoryCollectIntervalMs,
  memoryRecheckBytes,
  memoryResumeRatio,
} from '../util/limits.js';
import type { Runtime, Timer } from '../util/runtime.js';

/**
 * Live bytes as the guard counts them. V8's own figures, not process.memoryUsage(): that one
 * also reads /proc for the resident size, a system call on every sample (it showed as 4% of
 * the server's CPU with 10k sessions on a busy machine).
 */
export function liveMemoryBytes(): number {
  const heap = getHeapStatistics();
  return heap.used_heap_size + heap.external_memory;
}

let collector: (() => void) | null | undefined;

/**
 * A full garbage collection, without starting node with --expose-gc (the flag set now applies
 * to contexts made from now on); null when this V8 will not give one.
 */
export function fullCollector(): (() => void) | null {
  if (collector !== undefined) return collector;
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('typeof gc === "function" ? gc : null');
  collector = typeof gc === 'function' ? () => void (gc as () => unknown)() : null;
  return collector;
}

export interface MemoryGuardOptions {
  bytesMax: number;
  runtime: Runtime;
  measure: () => number;
  /** A full collection; null: none available. */
  collect: (() => void) | null;
  /** Reads stop (true) or resume (false). */
  onChange: (held: boolean) => void;
  /** Called on every check while held (keeps held sessions alive). */
  whileHeld: () => void;
}

export class MemoryGuard {
  held = false;
  /** Times the bound stopped reads. */
  holds = 0;
  /** Full collections run because the bound was passed. */
  collections = 0;
  /** The last sample, bytes. */
  lastBytes = 0;
  /** The largest sample seen. */
  peakBytes = 0;
  private collectedAt = -Infinity;
  private builtSinceCheck = 0;
  private timer: Timer | null = null;

  constructor(private readonly o: MemoryGuardOptions) {}

  start(): void {
    if (this.o.bytesMax <= 0 || this.timer !== null) return;
    this.timer = this.o.runtime.every(memoryCheckIntervalMs, () => this.check());
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /**
   * Bytes of replies just built: one turn can build many (a pipelined read of a big znode per
   * request), so the bound is looked at again after every memoryRecheckBytes, not only on the
   * timer.
   */
  note(bytes: number): void {
    if (this.timer === null) return;
    this.builtSinceCheck += bytes;
    if (this.builtSinceCheck >= memoryRecheckBytes) this.check();
  }

  check(): void {
    this.builtSinceCheck = 0;
    let bytes = this.sample();
    const { bytesMax } = this.o;
    if (!this.held) {
      if (bytes <= bytesMax) return;
      if (this.collectNow()) bytes = this.sample();
      if (bytes <= bytesMax) return;
      this.held = true;
      this.holds++;
      this.o.onChange(true);
      return;
    }
    // Nothing allocates much while held, so garbage may never be collected on its own.
    if (bytes > bytesMax * memoryResumeRatio && this.collectNow()) bytes = this.sample();
    if (bytes <= bytesMax * memoryResumeRatio) {
      this.held = false;
      this.o.onChange(false);
      return;
    }
    this.o.whileHeld();
  }

  /** The next check collects first, however recent the last collection (memory-holds.ts). */
  collectSoon(): void {
    this.collectedAt = -Infinity;
  }

  private sample(): number {
    const bytes = this.o.measure();
    this.lastBytes = bytes;
    if (bytes > this.peakBytes) this.peakBytes = bytes;
    return bytes;
  }

  private collectNow(): boolean {
    const now = this.o.runtime.now();
    if (this.o.collect === null || now - this.collectedAt < memoryCollectIntervalMs) return false;
    this.collectedAt = now;
    this.collections++;
    this.o.collect();
    return true;
  }
}
