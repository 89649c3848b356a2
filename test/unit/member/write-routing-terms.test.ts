/**
 * A client's write is good only in the Raft term its member took it in (write-routing.ts):
 * held across a term it fails instead of going to the next leader, a leader refuses one
 * forwarded in another term, and a session's connection token reported in another term does
 * not replace the current one. Before, a write stuck behind a partition could reach a leader
 * of a later term and run after its client had been told "connection loss", moved to another
 * server and written again, before that server's token report arrived.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OpCode } from '../../../src/protocol/opcodes.js';
import type { WriteInput } from '../../../src/replication/write-input.js';
import type { Completion } from '../../../src/member/pending-requests.js';
import type { PeerMessage } from '../../../src/member/peer-messages.js';
import { fakeRouter } from './router-harness.js';

const session = 0x51n;
const write = (attach: number): WriteInput => ({
  type: 'request',
  sessionId: session,
  ids: [],
  request: { type: OpCode.delete, path: '/x', version: -1 },
  attach,
});
const barrier: WriteInput = { type: 'barrier' };

/** A router on member 1 in `term`; change its state as a Ready would. */
function router(role: 'leader' | 'follower', term: number) {
  const { router: r, state, proposed, sent } = fakeRouter({ role, term });
  const outcomes: Completion[] = [];
  const take = (input: WriteInput) => r.enqueue(input, (c) => void outcomes.push(c));
  return { r, state, proposed, sent, outcomes, take };
}

const failure = (c: Completion | undefined) => (c !== undefined && !c.ok ? c.error.message : '');

describe('writes and Raft terms', () => {
  it('a follower fails a write it held across a term; a barrier goes on', () => {
    const { r, state, sent, outcomes, take } = router('follower', 5);
    state.leader = 0; // an election: writes are held
    take(write(7));
    take(barrier);
    state.term = 6;
    state.leader = 3;
    r.route();
    assert.match(failure(outcomes[0]), /the leader changed after the write was taken/);
    assert.deepEqual(
      sent.map(([to, m]) => [
        to,
        m.type,
        m.type === 'forward' && m.input.type,
        'term' in m && m.term,
      ]),
      [[3, 'forward', 'barrier', 5]],
    );
  });

  it('a follower forwards a write of this term, saying the term', () => {
    const { r, sent, take } = router('follower', 5);
    take(write(7));
    r.route();
    assert.equal(sent.length, 1);
    const [to, message] = sent[0] as [number, PeerMessage];
    assert.equal(to, 2);
    assert.ok(message.type === 'forward' && message.term === 5 && message.input.type === 'request');
  });

  it('a leader refuses a write forwarded in another term, and takes one of its own', () => {
    const { r, proposed, sent } = router('leader', 8);
    r.onForward({ from: 2, requestId: 10, input: write(7), term: 7 });
    r.onForward({ from: 2, requestId: 11, input: write(7), term: 9 });
    r.onForward({ from: 2, requestId: 12, input: write(7), term: 8 });
    r.onForward({ from: 2, requestId: 13, input: barrier, term: 7 });
    assert.deepEqual(
      proposed.map((p) => p.requestId),
      [12, 13],
    );
    assert.deepEqual(
      sent.map(([to, m]) => [to, m.type, 'requestId' in m && m.requestId]),
      [
        [2, 'refused', 10],
        [2, 'refused', 11],
      ],
    );
  });

  it('a leader fails its own write taken before it was elected', () => {
    const { r, state, proposed, outcomes, take } = router('follower', 4);
    state.leader = 0;
    take(write(7));
    state.term = 5;
    state.role = 'leader';
    state.leader = 1;
    take(write(7));
    r.route();
    assert.match(failure(outcomes[0]), /the leader changed/);
    assert.equal(proposed.length, 1, 'the write of this term');
  });

  it("a leader keeps a session's token from this term over a late report from an earlier one", () => {
    const { r, proposed, sent } = router('leader', 8);
    r.noteAttached(session, 222, 8); // the client is on a connection of member 3 now
    r.noteAttached(session, 111, 7); // member 2 said so before the election; it arrives late
    r.onForward({ from: 3, requestId: 1, input: write(222), term: 8 });
    r.onForward({ from: 2, requestId: 2, input: write(111), term: 8 });
    assert.deepEqual(
      proposed.map((p) => p.requestId),
      [1],
    );
    assert.deepEqual(
      sent.map(([to, m]) => [to, m.type]),
      [[2, 'refused']],
    );
  });
});
