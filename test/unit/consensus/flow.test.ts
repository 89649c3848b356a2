/**
 * Flow control units: Inflights caps by count and by bytes, and Progress moves between
 * probe, replicate and snapshot as the leader learns a follower's log (Raft §5.3).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Inflights } from '../../../src/consensus/inflights.js';
import { Progress } from '../../../src/consensus/progress.js';
import { AssertionError } from '../../../src/util/assert.js';

describe('Inflights', () => {
  it('is full at countMax messages and frees up to an acknowledged index', () => {
    const inflights = new Inflights(3, 1_000_000);
    inflights.add(5, 10);
    inflights.add(7, 10);
    inflights.add(9, 10);
    assert.ok(inflights.full());
    assert.throws(() => inflights.add(10, 1), AssertionError);
    inflights.freeLE(7);
    assert.equal(inflights.count, 1);
    assert.equal(inflights.bytes, 10);
    inflights.add(12, 10);
    inflights.add(15, 10);
    assert.ok(inflights.full());
    inflights.freeLE(100);
    assert.equal(inflights.count, 0);
  });

  it('is full once the bytes in flight reach bytesMax, and wraps around its ring', () => {
    const inflights = new Inflights(4, 100);
    for (let round = 0; round < 5; round++) {
      inflights.add(round * 10 + 1, 60);
      assert.ok(!inflights.full());
      inflights.add(round * 10 + 2, 60);
      assert.ok(inflights.full());
      inflights.freeFirst();
      inflights.freeLE(round * 10 + 2);
      assert.equal(inflights.bytes, 0);
    }
  });

  it('asserts indexes only grow', () => {
    const inflights = new Inflights(4, 100);
    inflights.add(5, 1);
    assert.throws(() => inflights.add(5, 1), AssertionError);
  });
});

describe('Progress', () => {
  it('§5.3: probe sends one append and pauses until its answer', () => {
    const progress = new Progress(11, 4, 1000);
    assert.ok(!progress.isPaused());
    progress.sentAppend(3, 30);
    assert.ok(progress.isPaused());
    assert.ok(progress.maybeUpdate(13));
    assert.ok(!progress.isPaused());
    assert.equal(progress.next, 14);
  });

  it('§5.3: a rejection walks next back to the hint, never below match + 1', () => {
    const progress = new Progress(11, 4, 1000);
    progress.match = 3;
    assert.ok(!progress.maybeDecrTo(5, 2), 'a stale rejection is ignored');
    assert.ok(progress.maybeDecrTo(10, 6));
    assert.equal(progress.next, 7);
    assert.ok(progress.maybeDecrTo(6, 0));
    assert.equal(progress.next, 4);
  });

  it('replicate streams optimistically until the inflights cap', () => {
    const progress = new Progress(1, 2, 1000);
    progress.becomeReplicate();
    progress.sentAppend(2, 20);
    progress.sentAppend(2, 20);
    assert.equal(progress.next, 5);
    assert.ok(progress.isPaused());
    progress.maybeUpdate(2);
    progress.inflights.freeLE(2);
    assert.ok(!progress.isPaused());
    // A rejection in replicate falls back to match + 1.
    assert.ok(progress.maybeDecrTo(4, 0));
    assert.equal(progress.next, 3);
  });

  it('§7: snapshot pauses sending; probing resumes after the snapshot index', () => {
    const progress = new Progress(1, 2, 1000);
    progress.becomeSnapshot(50);
    assert.ok(progress.isPaused());
    progress.becomeProbe();
    assert.equal(progress.next, 51);
  });
});
