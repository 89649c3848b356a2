/**
 * Leader election (Raft §5.2, §5.4.1) with pre-vote (thesis §9.6) and check-quorum
 * (thesis §6.2), driven through a scripted in-process cluster: each test sets up a situation
 * by delivering or cutting messages and checks roles, terms and votes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './cluster.js';
import { defaultHostOptions } from './host.js';

describe('election', () => {
  it('§5.2: a campaigning voter wins a majority and leads; the others follow', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    assert.deepEqual(cluster.leaders(), [1]);
    for (const id of [2, 3]) {
      assert.equal(cluster.host(id).status().role, 'follower');
      assert.equal(cluster.host(id).status().lead, 1);
      assert.equal(cluster.host(id).status().term, 1);
    }
  });

  it('§5.2: a single voter elects itself and commits its empty entry', () => {
    const cluster = new Cluster([1]);
    cluster.campaign(1);
    assert.deepEqual(cluster.leaders(), [1]);
    assert.equal(cluster.host(1).status().commit, 1);
  });

  it('§5.2: election timeouts fire from ticks alone and elect exactly one leader', () => {
    const cluster = new Cluster([1, 2, 3, 4, 5]);
    for (let i = 0; i < 40 && cluster.leaders().length === 0; i++) {
      cluster.tickAll();
      cluster.stabilize();
    }
    assert.equal(cluster.leaders().length, 1);
  });

  it('§5.2: a server grants one vote per term', () => {
    const options = { ...defaultHostOptions, preVote: false };
    const cluster = new Cluster([1, 2, 3], [], options);
    cluster.isolate(3);
    cluster.host(1).node.campaign();
    cluster.host(2).node.campaign();
    cluster.drainAll();
    cluster.deliverAll();
    // Both are candidates at term 1 and each voted for itself: nobody can win term 1.
    assert.equal(cluster.host(1).status().role, 'candidate');
    assert.equal(cluster.host(2).status().role, 'candidate');
    assert.equal(cluster.host(1).status().vote, 1);
    assert.equal(cluster.host(2).status().vote, 2);
  });

  it('§5.4.1: a voter refuses a candidate whose log is behind', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    cluster.isolate(3);
    assert.ok(cluster.propose(1, 'a').ok);
    cluster.heal();
    cluster.isolate(1);
    // 3 missed 'a'; 2 has it and must refuse 3.
    cluster.campaign(3);
    assert.notEqual(cluster.host(3).status().role, 'leader');
    cluster.campaign(2);
    assert.equal(cluster.host(2).status().role, 'leader');
  });

  it('thesis §9.6: a failed pre-vote leaves term and vote untouched', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    cluster.isolate(3);
    cluster.host(3).node.campaign();
    cluster.stabilize();
    const status = cluster.host(3).status();
    assert.equal(status.role, 'preCandidate');
    assert.equal(status.term, 1);
    cluster.heal();
    cluster.tickAll(3);
    cluster.stabilize();
    // The leader of term 1 was never disturbed by the partitioned server.
    assert.deepEqual(cluster.leaders(), [1]);
    assert.equal(cluster.host(1).status().term, 1);
  });

  it('thesis §4.2.3: a voter hearing from a leader ignores vote requests (leader lease)', () => {
    const options = { ...defaultHostOptions, preVote: false };
    const cluster = new Cluster([1, 2, 3], [], options);
    cluster.campaign(1);
    cluster.cutLink(1, 3);
    cluster.cutLink(3, 1);
    cluster.campaign(3);
    // 3 bumped its term but 2, in its lease, did not answer; leader 1 keeps leading.
    assert.equal(cluster.host(3).status().role, 'candidate');
    assert.equal(cluster.host(2).status().term, 1);
    assert.deepEqual(cluster.leaders(), [1]);
  });

  it('thesis §6.2: check-quorum makes a leader cut off from a majority step down', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    cluster.isolate(1);
    for (let i = 0; i < 2 * defaultHostOptions.electionTicks; i++) cluster.tick(1);
    assert.equal(cluster.host(1).status().role, 'follower');
  });

  it('§5.1: a deposed leader learns the new term from a stale-term answer', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    cluster.isolate(1);
    // Only 2 and 3 hear time pass, so one of them times out and wins term 2.
    for (let i = 0; i < 40 && cluster.leaders().length < 2; i++) {
      cluster.tick(2);
      cluster.tick(3);
      cluster.stabilize();
    }
    const [, newLeader] = cluster.leaders();
    assert.ok(newLeader !== undefined);
    assert.equal(cluster.host(1).status().role, 'leader');
    cluster.heal();
    cluster.tick(1, defaultHostOptions.heartbeatTicks);
    cluster.stabilize();
    assert.equal(cluster.host(1).status().role, 'follower');
    assert.equal(cluster.host(1).status().term, cluster.host(newLeader).status().term);
  });

  it('§5.2 with persistence: vote requests and grants leave only after the vote is durable', () => {
    const options = { ...defaultHostOptions, preVote: false };
    const cluster = new Cluster([1, 2, 3], [], options);
    const candidate = cluster.host(1).node;
    candidate.campaign();
    const ready = candidate.ready();
    assert.deepEqual(ready.hardState, { term: 1, vote: 1, commit: 0 });
    assert.deepEqual(ready.messages, []);
    const requests = ready.messagesAfterPersist;
    assert.deepEqual(
      requests.map((m) => m.type),
      ['vote', 'vote'],
    );
    cluster.host(1).storage.setHardState(ready.hardState ?? assert.fail());
    candidate.advance();
    const request = requests[0];
    assert.ok(request !== undefined);
    const voter = cluster.host(request.to).node;
    voter.step(request);
    const answer = voter.ready();
    assert.equal(answer.hardState?.vote, 1);
    assert.deepEqual(answer.messages, []);
    assert.deepEqual(
      answer.messagesAfterPersist.map((m) => m.type),
      ['voteResponse'],
    );
  });
});
