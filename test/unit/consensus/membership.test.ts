/**
 * Membership (thesis §4.1, one server at a time) and learners (ZooKeeper observers): changes
 * travel as config entries and take effect when applied, one at a time; learners receive the
 * log but never vote, count toward commit or campaign.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyConfChange,
  decodeConfChange,
  encodeConfChange,
  refuseConfChange,
} from '../../../src/consensus/config-change.js';
import { Cluster } from './cluster.js';
import { defaultHostOptions } from './host.js';

function data(cluster: Cluster, id: number): string[] {
  const isData = (d: string): boolean => d !== '' && !d.startsWith('(') && !d.startsWith('config');
  return cluster.host(id).applied.filter(isData);
}

describe('config changes', () => {
  it('encode and decode round-trip', () => {
    for (const type of ['addVoter', 'addLearner', 'removeNode'] as const) {
      const change = { type, nodeId: 4_000_000_000 };
      assert.deepEqual(decodeConfChange(encodeConfChange(change)), change);
    }
  });

  it('§4.1: refuse no-ops and removing the last voter; apply keeps lists sorted', () => {
    const one = { voters: [1], learners: [] };
    assert.match(refuseConfChange(one, { type: 'addVoter', nodeId: 1 }) ?? '', /already/);
    assert.match(refuseConfChange(one, { type: 'removeNode', nodeId: 1 }) ?? '', /last voter/);
    assert.match(refuseConfChange(one, { type: 'removeNode', nodeId: 2 }) ?? '', /not a member/);
    const two = applyConfChange(one, { type: 'addLearner', nodeId: 3 });
    const three = applyConfChange(two, { type: 'addVoter', nodeId: 3 });
    assert.deepEqual(three, { voters: [1, 3], learners: [] });
  });
});

describe('learners', () => {
  it('receive and apply the log but do not count toward commit', () => {
    const cluster = new Cluster([1, 2], [3]);
    cluster.campaign(1);
    cluster.isolate(2);
    assert.ok(cluster.propose(1, 'a').ok);
    assert.deepEqual(data(cluster, 3), [], 'leader + learner is not a majority of {1, 2}');
    cluster.heal();
    cluster.tick(1, defaultHostOptions.heartbeatTicks);
    cluster.stabilize();
    assert.deepEqual(data(cluster, 3), ['a']);
  });

  it('never campaign, however long they go without a leader', () => {
    const cluster = new Cluster([1, 2], [3]);
    cluster.tick(3, 10 * defaultHostOptions.electionTicks);
    cluster.stabilize();
    assert.equal(cluster.host(3).status().role, 'follower');
    assert.equal(cluster.host(3).status().term, 0);
  });
});

describe('membership change', () => {
  it('§4.1: adds a learner, promotes it to voter, and the new majority commits', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    cluster.addHost(4, [1, 2, 3]);
    assert.ok(cluster.proposeConfChange(1, { type: 'addLearner', nodeId: 4 }).ok);
    assert.deepEqual(cluster.host(4).status().membership, { voters: [1, 2, 3], learners: [4] });
    assert.ok(cluster.proposeConfChange(1, { type: 'addVoter', nodeId: 4 }).ok);
    for (const id of [1, 2, 3, 4]) {
      assert.deepEqual(cluster.host(id).status().membership.voters, [1, 2, 3, 4]);
    }
    // Four voters need three: with 3 and 4 cut off, nothing commits.
    cluster.isolate(3);
    cluster.isolate(4);
    assert.ok(cluster.propose(1, 'x').ok);
    assert.deepEqual(data(cluster, 1), []);
  });

  it('§4.1: only one change is in flight at a time', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    cluster.isolate(2);
    cluster.isolate(3);
    assert.ok(cluster.host(1).node.proposeConfChange({ type: 'addLearner', nodeId: 4 }).ok);
    const second = cluster.host(1).node.proposeConfChange({ type: 'addLearner', nodeId: 5 });
    assert.equal(second.ok, false);
    cluster.stabilize();
  });

  it('§4.1: a new leader accepts no change until its earlier entries commit', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.host(1).node.campaign();
    cluster.drainAll();
    // Pre-vote, its answers, the vote, its answers: appends are queued, none delivered.
    for (let round = 0; round < 4; round++) cluster.deliverAll();
    // Leader, but its term's empty entry is not yet committed.
    assert.equal(cluster.host(1).status().role, 'leader');
    const early = cluster.host(1).node.proposeConfChange({ type: 'addLearner', nodeId: 4 });
    assert.equal(early.ok, false);
    cluster.stabilize();
    assert.ok(cluster.proposeConfChange(1, { type: 'addLearner', nodeId: 4 }).ok);
  });

  it('§6: a removed leader hands over to a voter and the rest carry on', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    assert.ok(cluster.proposeConfChange(1, { type: 'removeNode', nodeId: 1 }).ok);
    // The old leader learns of its successor at its next heartbeat.
    cluster.tick(1, defaultHostOptions.heartbeatTicks);
    cluster.stabilize();
    const leaders = cluster.leaders();
    assert.equal(leaders.length, 1);
    const [leader] = leaders;
    assert.ok(leader === 2 || leader === 3, `leader is ${leader}`);
    assert.deepEqual(cluster.host(leader).status().membership.voters, [2, 3]);
    assert.ok(cluster.propose(leader, 'after').ok);
    assert.deepEqual(data(cluster, leader === 2 ? 3 : 2), ['after']);
  });

  it('§6: a leader that proposed its own removal takes no more writes', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    cluster.isolate(2);
    cluster.isolate(3);
    assert.ok(cluster.proposeConfChange(1, { type: 'removeNode', nodeId: 1 }).ok);
    const refused = cluster.propose(1, 'late');
    assert.deepEqual(refused, {
      ok: false,
      reason: 'the leader is leaving the ensemble',
      leader: 1,
    });
  });

  it('§4.1: a removed follower stops counting; the two left form the quorum', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    assert.ok(cluster.proposeConfChange(1, { type: 'removeNode', nodeId: 3 }).ok);
    cluster.isolate(3);
    assert.ok(cluster.propose(1, 'two-of-two').ok);
    assert.deepEqual(data(cluster, 2), ['two-of-two']);
    // 3 may never hear that it was removed; its campaigns must not disturb the leader.
    cluster.heal();
    for (let i = 0; i < 5 * defaultHostOptions.electionTicks; i++) {
      cluster.tick(3);
      cluster.tick(1);
      cluster.stabilize();
    }
    assert.deepEqual(cluster.leaders(), [1]);
    assert.equal(cluster.host(1).status().term, 1);
  });
});
