/**
 * Leadership transfer (thesis §3.10) and snapshot install for a follower behind the
 * compacted log (Raft §7).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './cluster.js';
import { defaultHostOptions } from './host.js';

function data(cluster: Cluster, id: number): string[] {
  const isData = (d: string): boolean => d !== '' && !d.startsWith('(') && !d.startsWith('config');
  return cluster.host(id).applied.filter(isData);
}

describe('leadership transfer', () => {
  it('§3.10: an up-to-date target gets TimeoutNow and wins the next term', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    assert.equal(cluster.host(1).node.transferLeadership(2), undefined);
    cluster.stabilize();
    assert.deepEqual(cluster.leaders(), [2]);
    assert.equal(cluster.host(2).status().term, 2);
    assert.ok(cluster.delivered.some((m) => m.type === 'timeoutNow' && m.to === 2));
  });

  it('§3.10: a lagging target is caught up first, and writes wait meanwhile', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    cluster.isolate(3);
    for (const d of ['a', 'b']) assert.ok(cluster.propose(1, d).ok);
    cluster.heal();
    assert.equal(cluster.host(1).node.transferLeadership(3), undefined);
    const refused = cluster.host(1).node.propose(Buffer.from('c'));
    assert.equal(refused.ok, false);
    cluster.stabilize();
    assert.deepEqual(cluster.leaders(), [3]);
    assert.deepEqual(data(cluster, 3), ['a', 'b']);
  });

  it('§3.10: a transfer that cannot finish is abandoned after an election timeout', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    cluster.isolate(3);
    assert.equal(cluster.host(1).node.transferLeadership(3), undefined);
    cluster.stabilize();
    assert.equal(cluster.host(1).node.propose(Buffer.from('x')).ok, false);
    cluster.tick(1, defaultHostOptions.electionTicks);
    cluster.stabilize();
    assert.deepEqual(cluster.leaders(), [1]);
    assert.ok(cluster.host(1).node.propose(Buffer.from('y')).ok);
    cluster.stabilize();
  });

  it('refuses a target that is not a voter', () => {
    const cluster = new Cluster([1, 2], [3]);
    cluster.campaign(1);
    assert.match(cluster.host(1).node.transferLeadership(3) ?? '', /not a voter/);
    assert.match(cluster.host(2).node.transferLeadership(1) ?? '', /not the leader/);
  });
});

describe('snapshot install', () => {
  it('§7: a follower behind the compacted log receives the snapshot, then the tail', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    cluster.isolate(3);
    for (let i = 0; i < 10; i++) assert.ok(cluster.propose(1, `e${i}`).ok);
    cluster.host(1).snapshotAndCompact(2);
    assert.ok(cluster.host(1).storage.firstIndex() > 2);
    cluster.heal();
    cluster.tick(1, defaultHostOptions.heartbeatTicks);
    cluster.stabilize();
    // The snapshot carried most of the history; the tail arrived as entries.
    assert.ok(cluster.delivered.some((m) => m.type === 'snapshot' && m.to === 3));
    assert.equal(cluster.host(3).storage.snapshot().meta.index, cluster.host(1).appliedIndex);
    cluster.propose(1, 'after');
    assert.deepEqual(data(cluster, 3), data(cluster, 1));
    assert.equal(data(cluster, 3).length, 11);
  });

  it('§7: a restarted server recovers from its snapshot and log', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    for (let i = 0; i < 5; i++) assert.ok(cluster.propose(1, `e${i}`).ok);
    cluster.host(2).snapshotAndCompact(1);
    const before = data(cluster, 2);
    cluster.host(2).restart();
    cluster.host(2).drain();
    cluster.tick(1, defaultHostOptions.heartbeatTicks);
    cluster.stabilize();
    assert.deepEqual(data(cluster, 2), before);
    assert.equal(cluster.host(2).status().term, 1);
  });
});
