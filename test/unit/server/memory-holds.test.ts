/**
 * Whom the memory bound holds (server/memory-holds.ts): the connections keeping replies
 * unsent when those replies cover what must be freed, everyone otherwise; and holding
 * everyone after the heavy ones went only once a collection has counted what they left.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  chooseMemoryHold,
  MemoryHoldChoice,
  memoryHolds,
  type UnsentBytes,
} from '../../../src/server/memory-holds.js';
import { memoryLightOutputBytes, memoryLightOutstandingMax } from '../../../src/util/limits.js';

const conn = (unsentBytes: number, outstanding = 0): UnsentBytes => ({
  unsentBytes,
  outstanding,
});
const MiB = 1024 * 1024;
const overshoot = 32 * MiB;

describe('memory holds', () => {
  it('holds only connections over the light share, and everyone under "all"', () => {
    const light = conn(memoryLightOutputBytes);
    const heavy = conn(memoryLightOutputBytes + 1);
    assert.equal(memoryHolds('none', heavy), false);
    assert.equal(memoryHolds('heavy', light), false);
    assert.equal(memoryHolds('heavy', heavy), true);
    assert.equal(memoryHolds('all', light), true);
    assert.equal(memoryHolds('heavy', conn(0, memoryLightOutstandingMax)), false);
    assert.equal(memoryHolds('heavy', conn(0, memoryLightOutstandingMax + 1)), true, 'queued');
  });

  it('holds the heavy ones when their unsent replies cover the excess', () => {
    const conns = [conn(0), conn(40 * MiB), conn(30 * MiB), conn(memoryLightOutputBytes)];
    assert.equal(chooseMemoryHold(conns, 70 * MiB), 'heavy');
    assert.equal(chooseMemoryHold(conns, 70 * MiB + 1), 'all', 'memory is full of other things');
    assert.equal(chooseMemoryHold([], 0), 'heavy', 'nothing to free: nobody held');
  });

  it('keeps holding only the heavy ones while memory stays within the overshoot', () => {
    const guard = { collections: 0, collectSoon: () => undefined };
    const choice = new MemoryHoldChoice(guard, overshoot);
    const heavy = [conn(100 * MiB)];
    assert.equal(choice.next(true, 'none', heavy, 50 * MiB, 0), 'heavy');
    // The heavy one was closed: its replies are garbage, memory still reads over.
    assert.equal(choice.next(true, 'heavy', [], 50 * MiB, overshoot), 'heavy');
    assert.equal(choice.next(true, 'none', [], 50 * MiB, 0), 'all', 'nothing to free: everyone');
    assert.equal(choice.next(true, 'all', heavy, 50 * MiB, 0), 'heavy', 'heavy ones again');
    assert.equal(choice.next(false, 'heavy', heavy, 0, 0), 'none');
  });

  it('holds everyone once light connections took memory past the overshoot allowed', () => {
    const guard = { collections: 0, collectSoon: () => undefined };
    const choice = new MemoryHoldChoice(guard, overshoot);
    const heavy = [conn(500 * MiB)];
    const past = overshoot + 1;
    assert.equal(choice.next(true, 'none', heavy, 50 * MiB, 0), 'heavy');
    assert.equal(choice.next(true, 'heavy', heavy, 50 * MiB, overshoot), 'heavy');
    assert.equal(choice.next(true, 'heavy', heavy, 50 * MiB, past), 'heavy', 'collects first');
    guard.collections++;
    assert.equal(choice.next(true, 'heavy', heavy, 50 * MiB, past), 'all');
    assert.equal(choice.next(true, 'all', heavy, 50 * MiB, 0), 'heavy', 'back within it');
  });

  it('counts the overshoot from where the heavy ones were held, not from the bound', () => {
    // The bound is looked at every memoryRecheckBytes of replies built, so the heavy ones may
    // be held that far past it; light connections served from there must not tip everyone
    // into waiting (a reading client waited 3.8 s in CI for the non-readers to be closed).
    const guard = { collections: 0, collectSoon: () => undefined };
    const choice = new MemoryHoldChoice(guard, overshoot);
    const heavy = [conn(500 * MiB)];
    const heldAt = 16 * MiB;
    assert.equal(choice.next(true, 'none', heavy, 50 * MiB, heldAt), 'heavy');
    const within = heldAt + overshoot;
    assert.equal(choice.next(true, 'heavy', heavy, 50 * MiB, within), 'heavy');
    guard.collections++;
    assert.equal(choice.next(true, 'heavy', heavy, 50 * MiB, within), 'heavy', 'collected');
    assert.equal(choice.next(true, 'heavy', heavy, 50 * MiB, within + 1), 'heavy', 'collects');
    guard.collections++;
    assert.equal(choice.next(true, 'heavy', heavy, 50 * MiB, within + 1), 'all');
    assert.equal(choice.next(true, 'all', heavy, 50 * MiB, heldAt), 'heavy', 'back within it');
    assert.equal(choice.next(true, 'heavy', heavy, 50 * MiB, within), 'heavy', 'same start');
    // Under the bound the episode ends: the next one counts from where it is held.
    assert.equal(choice.next(false, 'heavy', heavy, 0, -MiB), 'none');
    assert.equal(choice.next(true, 'none', heavy, 50 * MiB, 0), 'heavy');
    assert.equal(choice.next(true, 'heavy', heavy, 50 * MiB, overshoot + 1), 'heavy', 'collects');
    guard.collections++;
    assert.equal(choice.next(true, 'heavy', heavy, 50 * MiB, overshoot + 1), 'all');
  });
});
