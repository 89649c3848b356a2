/**
 * The watches of closed connections and sessions go a slice a turn (server/watch-drops.ts,
 * watchesDroppedPerTurnMax): 100 sessions of 10k watches closed in one Ready held the loop for
 * 480 ms when removed in one go. A session that attaches again loses what is left at once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventType } from '../../../src/protocol/opcodes.js';
import { WatchDrops } from '../../../src/server/watch-drops.js';
import { WatchManager } from '../../../src/tree/watch-manager.js';
import { watchesDroppedPerTurnMax } from '../../../src/util/limits.js';
import { turnRuntime } from '../../support/turn-runtime.js';

const everyone = () => true;

function setup(sessions: number, perSession: number) {
  const watches = new WatchManager(1_000_000, 1024 * 1024 * 1024);
  for (let s = 1; s <= sessions; s++) {
    for (let w = 0; w < perSession; w++) watches.add('data', BigInt(s), `/s${s}/w${w}`);
  }
  const { runtime, endTurn } = turnRuntime();
  return { watches, drops: new WatchDrops(() => watches, runtime), endTurn };
}

describe('watch drops', () => {
  it('removes at most a turn budget of watches a turn, first dropped first', () => {
    const per = Math.ceil((watchesDroppedPerTurnMax * 2) / 3);
    const { watches, drops, endTurn } = setup(3, per);
    for (const s of [3n, 1n, 2n]) drops.drop(s);
    assert.equal(watches.watchCount, 3 * per, 'nothing goes within the turn that dropped them');
    endTurn();
    assert.equal(watches.watchCount, 3 * per - watchesDroppedPerTurnMax);
    assert.equal(watches.has('data', 3n, '/s3/w0'), false, 'the first dropped went first');
    assert.equal(watches.has('data', 2n, '/s2/w0'), true);
    while (endTurn());
    assert.equal(watches.watchCount, 0);
    assert.equal(drops.size, 0);
  });

  it('a session attaching again loses what is left of its watches at once', () => {
    const { watches, drops, endTurn } = setup(1, watchesDroppedPerTurnMax + 10);
    drops.drop(1n);
    endTurn();
    assert.equal(watches.watchCount, 10);
    drops.now(1n);
    assert.equal(watches.watchCount, 0);
    watches.add('data', 1n, '/s1/w0'); // set again on its new connection
    while (endTurn());
    assert.equal(watches.has('data', 1n, '/s1/w0'), true, 'a watch set after attaching stays');
  });

  it('removeSessionSome leaves the path tables consistent', () => {
    const { watches } = setup(2, 4);
    watches.add('child', 1n, '/s2/w0');
    assert.equal(watches.removeSessionSome(1n, 3), 3);
    const fired = (path: string) =>
      watches
        .trigger({ type: EventType.nodeDeleted, path, acl: [] }, everyone)
        .map((n) => n.sessionId);
    assert.deepEqual(fired('/s1/w0'), [], 'removed');
    assert.deepEqual(fired('/s1/w3'), [1n], 'not yet removed');
    assert.equal(watches.removeSessionSome(1n, 3), 1, 'less than asked: done');
    assert.deepEqual(fired('/s2/w0'), [2n], "another session's watch on the same path stays");
    assert.equal(watches.watchCount, 3);
  });
});
