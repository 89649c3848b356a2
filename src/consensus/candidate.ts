/**
 * The pre-candidate and candidate roles: count votes of the matching kind, and give way to a
 * leader of the same term (§5.2).
 */
import { handleAppend, handleHeartbeat, handleSnapshot } from './follower.js';
import { winElection } from './election.js';
import type { Message } from './messages.js';
import type { Raft } from './raft.js';
import { noNode } from './types.js';

export function stepCandidate(raft: Raft, message: Message): void {
  switch (message.type) {
    case 'append':
      raft.becomeFollower(message.term, message.from);
      handleAppend(raft, message);
      return;
    case 'heartbeat':
      raft.becomeFollower(message.term, message.from);
      handleHeartbeat(raft, message);
      return;
    case 'snapshot':
      raft.becomeFollower(message.term, message.from);
      handleSnapshot(raft, message);
      return;
    case 'voteResponse':
    case 'preVoteResponse': {
      const expected = raft.role === 'preCandidate' ? 'preVoteResponse' : 'voteResponse';
      if (message.type !== expected) return;
      raft.tracker.recordVote(message.from, !message.reject);
      const result = raft.tracker.voteResult();
      if (result === 'won') winElection(raft);
      else if (result === 'lost') raft.becomeFollower(raft.term, noNode);
      return;
    }
    default:
      return;
  }
}
