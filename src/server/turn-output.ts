/**
 * Writers lent to the connections that send something in an event-loop turn, given back
 * when the turn's output is flushed: a connection's replies of one turn are gathered in one
 * buffer and leave in one socket write, with no buffer and no stream bookkeeping per reply,
 * while idle connections hold no buffer at all.
 */
import { JuteWriter } from '../protocol/jute-writer.js';
import { assert } from '../util/assert.js';
import { socketFlushesPerTurnMax } from '../util/limits.js';
import type { Runtime } from '../util/runtime.js';

/** A reply bigger than this is written on its own (after the turn's output so far). */
export const turnOutputBytesMax = 64 * 1024;
/** Writers kept for reuse: as many as connections that are busy in the same turn. */
const pooledMax = 64;
/** A turn's output above this (big replies) drops its writer rather than keep a big buffer. */
const pooledBytesMax = 256 * 1024;
const initialBytes = 16 * 1024;

const pool: JuteWriter[] = [];

export function takeTurnWriter(): JuteWriter {
  return pool.pop() ?? new JuteWriter(initialBytes);
}

/** Takes back a writer whose bytes were copied out. */
export function returnTurnWriter(writer: JuteWriter): void {
  // A writer grows only to fit, so its buffer is at most twice the most it held.
  if (pool.length < pooledMax && writer.length <= pooledBytesMax) pool.push(writer.reset());
}

/**
 * The connections with output to write at the end of the turn, in the order they first wrote
 * in it: at most `perTurn` are written per turn, the rest first thing next turn (a connection
 * keeps adding to its output meanwhile, so its bytes stay in order). Each is queued once
 * until it is flushed.
 */
export class TurnFlushes {
  private queue: (() => void)[] = [];
  private scheduled = false;

  constructor(
    private readonly runtime: Runtime,
    private readonly perTurn = socketFlushesPerTurnMax,
  ) {
    assert(perTurn >= 1, 'TurnFlushes: at least one flush a turn');
  }

  /** Flushes waiting for a turn's end. */
  get waiting(): number {
    return this.queue.length;
  }

  add(flush: () => void): void {
    this.queue.push(flush);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.runtime.soon(this.run);
  }

  private readonly run = (): void => {
    this.scheduled = false;
    const due = this.queue.length <= this.perTurn ? this.queue : this.queue.slice(0, this.perTurn);
    this.queue = due === this.queue ? [] : this.queue.slice(this.perTurn);
    if (this.queue.length > 0) this.schedule();
    for (const flush of due) flush();
  };
}
