/**
 * A leader whose log is near its in-memory cap (raftLogFullBytes) holds new writes, its own
 * and those followers forward, until a snapshot has compacted the log; then the next route()
 * proposes them in arrival order. Before, they were proposed at once and a log past
 * raftHeldEntryBytesMax stopped the member.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WriteInput } from '../../../src/replication/write-input.js';
import { fakeRouter } from './router-harness.js';

const barrier: WriteInput = { type: 'barrier' };

function leaderRouter() {
  const { router, proposed, state } = fakeRouter({ full: true });
  return { router, proposed, state };
}

describe('WriteRouter with a full log', () => {
  it('holds writes while the log is full and proposes them, in order, once it is not', () => {
    const { router, proposed, state } = leaderRouter();
    router.enqueue(barrier, undefined);
    router.onForward({ from: 2, requestId: 77, input: barrier, term: 1 });
    router.enqueue(barrier, undefined);
    router.route();
    assert.equal(proposed.length, 0, 'nothing proposed while the log is full');
    state.full = false;
    router.route();
    assert.deepEqual(
      proposed.map((p) => p.origin),
      [2, 1, 1],
      "the follower's held write, then ours in arrival order",
    );
    router.enqueue(barrier, undefined);
    assert.equal(proposed.length, 4, 'proposed at once again');
  });
});
