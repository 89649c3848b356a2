/**
 * Majority arithmetic over the voters (Raft §5.2, §5.3). Learners never count.
 */
import { assert } from '../util/assert.js';
import type { Index, NodeId } from './types.js';

export type VoteResult = 'won' | 'lost' | 'pending';

/** The highest index that a majority of voters have durably matched. */
export function committedIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => Index): Index {
  assert(voters.length > 0, 'committedIndex: no voters');
  // Descending, by insertion: voters are a handful, and this runs at every acknowledgement
  // (Array#sort with a comparator copies the array and calls back per comparison).
  const matches: Index[] = [];
  for (const id of voters) {
    const match = matchOf(id);
    let at = matches.length;
    while (at > 0 && (matches[at - 1] as Index) < match) {
      matches[at] = matches[at - 1] as Index;
      at--;
    }
    matches[at] = match;
  }
  const majorityAt = Math.floor(voters.length / 2);
  const result = matches[majorityAt];
  assert(result !== undefined, 'committedIndex: majority out of range');
  return result;
}

/** Whether the granted votes already form a majority, or the refusals make one impossible. */
export function voteResult(
  voters: readonly NodeId[],
  votes: ReadonlyMap<NodeId, boolean>,
): VoteResult {
  const majority = Math.floor(voters.length / 2) + 1;
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === true) granted++;
    else if (vote === undefined) missing++;
  }
  if (granted >= majority) return 'won';
  if (granted + missing >= majority) return 'pending';
  return 'lost';
}
