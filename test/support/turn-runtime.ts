/**
 * A Runtime for unit tests that run event-loop turns by hand: `soon` queues work for the end
 * of the current turn, `endTurn` runs what was queued; the clock stands at 0 and timers never
 * fire.
 */
import type { Runtime, Timer } from '../../src/util/runtime.js';

const never: Timer = { cancel: () => undefined };

export function turnRuntime(): { runtime: Runtime; endTurn: () => boolean } {
  let turn: (() => void)[] = [];
  const runtime: Runtime = {
    now: () => 0,
    after: () => never,
    every: () => never,
    soon: (fn) => void turn.push(fn),
    keepAlive: () => never,
    randomInt: () => 0,
    randomBytes: (count) => Buffer.alloc(count),
  };
  /** Runs one turn; false when nothing was scheduled. */
  const endTurn = (): boolean => {
    const due = turn;
    turn = [];
    for (const fn of due) fn();
    return due.length > 0;
  };
  return { runtime, endTurn };
}
