/**
 * The RaftNode hooks the replica and the ensemble lean on: lastIndex() is where the next
 * proposal lands; proposalRefusal() says why a proposal would be refused (without changing
 * anything) in the same words propose() uses; forgetLeader() lets a follower vote before
 * its leader lease runs out, and is harmless when the leader is alive.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEntry, noCheck } from '../../../src/replication/entry-codec.js';
import { ReplicaCluster } from './replica-cluster.js';

/** A barrier entry the replicas can apply. */
const barrier = encodeEntry({ kind: 'barrier', origin: 1, requestId: 1, check: noCheck });

describe('RaftNode hooks', () => {
  it('lastIndex() is the last log index: a proposal lands right after it', () => {
    const cluster = new ReplicaCluster();
    cluster.campaign(1);
    const node = cluster.host(1).node;
    assert.equal(node.lastIndex(), node.status().lastIndex);
    for (let i = 0; i < 3; i++) {
      const before = node.lastIndex();
      const result = node.propose(Buffer.alloc(0));
      assert.deepEqual(result, { ok: true, index: before + 1 });
      assert.equal(node.lastIndex(), before + 1);
    }
    cluster.stabilize();
    for (const id of [2, 3]) {
      assert.equal(cluster.host(id).node.lastIndex(), node.lastIndex());
    }
  });

  it('proposalRefusal() answers like propose() and changes nothing', () => {
    const cluster = new ReplicaCluster([1, 2, 3], { uncommittedBytesMax: 50 });
    cluster.campaign(1);
    const leader = cluster.host(1).node;
    const follower = cluster.host(2).node;
    assert.equal(follower.proposalRefusal(1), 'not the leader');
    assert.equal(follower.propose(Buffer.alloc(1)).ok, false);
    assert.equal(leader.proposalRefusal(10), undefined);
    assert.equal(leader.proposalRefusal(10), undefined);
    // Cut off, the leader piles up uncommitted bytes; one entry always fits alone.
    cluster.isolate(1);
    assert.equal(leader.proposalRefusal(1000), undefined, 'one entry always fits alone');
    assert.ok(leader.propose(barrier).ok);
    const cap = 'too many uncommitted entries; retry later';
    assert.equal(leader.proposalRefusal(barrier.length), cap);
    const lastIndex = leader.lastIndex();
    assert.deepEqual(leader.propose(barrier), { ok: false, reason: cap, leader: 1 });
    assert.equal(leader.lastIndex(), lastIndex);
    cluster.heal();
    cluster.tick(1);
    cluster.stabilize();
    assert.equal(
      leader.proposalRefusal(barrier.length),
      undefined,
      'committed entries free the room',
    );
  });

  it('proposalRefusal() during a leadership transfer and while the leader is leaving', () => {
    const cluster = new ReplicaCluster();
    cluster.campaign(1);
    const leader = cluster.host(1).node;
    cluster.isolate(3);
    assert.equal(leader.transferLeadership(3), undefined);
    assert.equal(leader.proposalRefusal(1), 'leadership transfer in progress');
    cluster.heal();
    cluster.tick(1);
    cluster.stabilize();
    assert.equal(cluster.host(3).node.status().role, 'leader');
    const now = cluster.host(3).node;
    assert.ok(now.proposeConfChange({ type: 'removeNode', nodeId: 3 }).ok);
    assert.equal(now.proposalRefusal(1), 'the leader is leaving the ensemble');
    assert.equal(now.propose(Buffer.alloc(1)).ok, false);
  });

  it('forgetLeader() lets a follower vote at once; the leader is not affected', () => {
    // Control: within its lease, 2 refuses to help 3 take over.
    const control = new ReplicaCluster();
    control.campaign(1);
    control.isolate(1);
    control.campaign(3);
    assert.equal(control.host(3).node.status().role === 'leader', false);

    const cluster = new ReplicaCluster();
    cluster.campaign(1);
    cluster.host(1).node.forgetLeader();
    cluster.stabilize();
    assert.equal(cluster.host(1).node.status().role, 'leader');
    assert.equal(cluster.replica(1).leader, 1);
    cluster.isolate(1);
    cluster.host(2).node.forgetLeader();
    cluster.stabilize();
    assert.equal(cluster.host(2).node.status().lead, 0);
    assert.equal(cluster.replica(2).leader, 0, 'the replica hears of it through soft state');
    cluster.campaign(3);
    assert.equal(cluster.host(3).node.status().role, 'leader');
    assert.equal(cluster.replica(2).leader, 3);
  });

  it('forgetLeader() is harmless when the leader is alive: its next message restores it', () => {
    const cluster = new ReplicaCluster();
    cluster.campaign(1);
    cluster.host(2).node.forgetLeader();
    cluster.stabilize();
    assert.equal(cluster.replica(2).leader, 0);
    cluster.tick(1);
    cluster.stabilize();
    assert.equal(cluster.replica(2).leader, 1);
    assert.equal(cluster.host(1).node.status().role, 'leader');
  });
});
