/**
 * Majority arithmetic (Raft §5.2, §5.3): the fast committedIndex and voteResult are checked
 * against naive twins over random inputs with fast-check.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { committedIndex, voteResult } from '../../../src/consensus/quorum.js';

/** The largest index that more than half of the voters hold, by brute force. */
function naiveCommitted(matches: readonly number[]): number {
  let best = 0;
  for (const candidate of matches) {
    const holders = matches.filter((m) => m >= candidate).length;
    if (holders * 2 > matches.length) best = Math.max(best, candidate);
  }
  return best;
}

describe('quorum', () => {
  it('§5.3: committedIndex is the largest index a majority of voters hold (naive twin)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 9 }), (matches) => {
        const voters = matches.map((_, i) => i + 1);
        const committed = committedIndex(voters, (id) => matches[id - 1] ?? 0);
        assert.equal(committed, naiveCommitted(matches));
      }),
    );
  });

  it('§5.2: voteResult is won with a majority, lost when one is out of reach (naive twin)', () => {
    const vote = fc.constantFrom<boolean | undefined>(true, false, undefined);
    fc.assert(
      fc.property(fc.array(vote, { minLength: 1, maxLength: 9 }), (votes) => {
        const voters = votes.map((_, i) => i + 1);
        const cast = new Map<number, boolean>();
        votes.forEach((v, i) => {
          if (v !== undefined) cast.set(i + 1, v);
        });
        const yes = votes.filter((v) => v === true).length;
        const open = votes.filter((v) => v === undefined).length;
        const half = voters.length / 2;
        const expected = yes > half ? 'won' : yes + open > half ? 'pending' : 'lost';
        assert.equal(voteResult(voters, cast), expected);
      }),
    );
  });

  it('§5.2: votes of non-voters (learners) never count', () => {
    const votes = new Map([
      [1, true],
      [9, true],
    ]);
    assert.equal(voteResult([1, 2, 3], votes), 'pending');
  });
});
