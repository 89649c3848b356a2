/**
 * Writers lent to the connections that send something in an event-loop turn, given back
 * when the turn's output is flushed: a connection's replies of one turn are gathered in one
 * buffer and leave in one socket write, with no buffer and no stream bookkeeping per reply,
 * while idle connections hold no buffer at all.
 */
import { JuteWriter } from '../protocol/jute-writer.js';

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
