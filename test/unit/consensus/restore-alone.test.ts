/**
 * RaftNode.restoreAlone (the AdminServer's online restore, member/online-restore.ts): the only
 * voter takes a snapshot as its state at the next index and term; learners receive it as any
 * snapshot and writes go on after it. Refused when another voter could hold a different
 * entry at that index, when anything is in flight, and for a snapshot at the wrong place.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Snapshot } from '../../../src/consensus/index.js';
import { Cluster } from './cluster.js';

/** A state for Host (its snapshot data is the list of applied entries, index 0 first). */
function restoredState(cluster: Cluster, leader: number, label: string): Snapshot {
  const status = cluster.host(leader).status();
  const index = status.lastIndex + 1;
  const applied = [''].concat(Array.from({ length: index }, (_, i) => `${label}${i + 1}`));
  const data = Buffer.from(JSON.stringify(applied));
  return { meta: { index, term: status.term, membership: status.membership }, data };
}

describe('RaftNode.restoreAlone', () => {
  it('makes the only voter and its learners take the state; writes go on after it', () => {
    const cluster = new Cluster([1], [2]);
    cluster.campaign(1);
    const leader = cluster.host(1);
    leader.node.propose(Buffer.from('before'));
    cluster.stabilize();
    const state = restoredState(cluster, 1, 'restored-');
    assert.equal(leader.node.restoreAlone(state), undefined);
    cluster.stabilize();
    const index = state.meta.index;
    for (const id of [1, 2]) {
      const host = cluster.host(id);
      assert.equal(host.appliedIndex, index, `host ${id} applied the restored state`);
      assert.equal(host.applied[index], `restored-${index}`);
      assert.equal(host.status().commit, index);
    }
    leader.node.propose(Buffer.from('after'));
    cluster.stabilize();
    for (const id of [1, 2]) assert.equal(cluster.host(id).appliedIndex, index + 1);
  });

  it('is refused on an ensemble, with writes in flight, and at the wrong index or term', () => {
    const ensemble = new Cluster([1, 2, 3]);
    ensemble.campaign(1);
    ensemble.stabilize();
    const other = restoredState(ensemble, 1, 'x');
    assert.match(ensemble.host(1).node.restoreAlone(other) ?? '', /not the only voter/);

    const alone = new Cluster([1]);
    alone.campaign(1);
    alone.stabilize();
    const node = alone.host(1).node;
    const wrongIndex = restoredState(alone, 1, 'x');
    const skipped = {
      ...wrongIndex,
      meta: { ...wrongIndex.meta, index: wrongIndex.meta.index + 1 },
    };
    assert.match(node.restoreAlone(skipped) ?? '', /must be at index/);
    const oldTerm = { ...wrongIndex, meta: { ...wrongIndex.meta, term: 0 } };
    assert.match(node.restoreAlone(oldTerm) ?? '', /must be at index/);
    node.propose(Buffer.from('in flight'));
    assert.match(node.restoreAlone(restoredState(alone, 1, 'x')) ?? '', /in flight/);
  });
});
