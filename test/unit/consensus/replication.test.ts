/**
 * Log replication (Raft §5.3, §5.4.2) and the persist-before-send rule, through the scripted
 * cluster and through single nodes whose Ready is inspected directly.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '../../../src/consensus/messages.js';
import { Cluster, electWithout } from './cluster.js';
import { defaultHostOptions } from './host.js';

function appliedData(cluster: Cluster, id: number): string[] {
  return cluster.host(id).applied.filter((data) => data !== '' && !data.startsWith('(empty'));
}

describe('replication', () => {
  it('§5.3: a proposal commits on a majority and every server applies it in order', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    for (const data of ['a', 'b', 'c']) assert.ok(cluster.propose(1, data).ok);
    for (const id of [1, 2, 3]) assert.deepEqual(appliedData(cluster, id), ['a', 'b', 'c']);
  });

  it('§5.3: a follower refuses a proposal and names the leader', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    const result = cluster.host(2).node.propose(Buffer.from('x'));
    assert.deepEqual(result, { ok: false, reason: 'not the leader', leader: 1 });
  });

  it('§5.3: a minority cannot commit; the entry commits once the partition heals', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    cluster.isolate(2);
    cluster.isolate(3);
    assert.ok(cluster.propose(1, 'a').ok);
    assert.deepEqual(appliedData(cluster, 1), []);
    cluster.heal();
    cluster.tick(1, defaultHostOptions.heartbeatTicks);
    cluster.stabilize();
    for (const id of [1, 2, 3]) assert.deepEqual(appliedData(cluster, id), ['a']);
  });

  it('§5.3: a new leader overwrites a follower suffix that conflicts with its log', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    assert.ok(cluster.propose(1, 'a').ok);
    cluster.isolate(1);
    // Term 1 leader appends entries nobody else will ever see.
    cluster.host(1).node.propose(Buffer.from('lost1'));
    cluster.host(1).node.propose(Buffer.from('lost2'));
    cluster.stabilize();
    cluster.heal();
    cluster.isolate(1);
    const leader = electWithout(cluster, 1);
    assert.ok(leader !== undefined);
    assert.ok(cluster.propose(leader, 'b').ok);
    cluster.heal();
    cluster.tick(leader, defaultHostOptions.heartbeatTicks);
    cluster.stabilize();
    for (const id of [1, 2, 3]) assert.deepEqual(appliedData(cluster, id), ['a', 'b']);
    const old = cluster.host(1).storage;
    assert.equal(old.lastIndex(), cluster.host(leader).storage.lastIndex());
  });

  it('§5.4.2: a leader does not commit an old-term entry by counting replicas', () => {
    // One entry per append, so the old entry reaches a majority before the new one does.
    const options = { ...defaultHostOptions, preVote: false, checkQuorum: false };
    const cluster = new Cluster([1, 2, 3], [], { ...options, appendBytesMax: 1 });
    cluster.campaign(1);
    cluster.isolate(1);
    const old = cluster.host(1).node.propose(Buffer.from('old')); // term 1, only on 1
    assert.ok(old.ok);
    cluster.stabilize();
    cluster.heal();
    const votesOnly = (m: Message): boolean => m.type === 'vote' || m.type === 'voteResponse';
    // 2 wins term 2 with 3's vote, but its own entry reaches nobody.
    cluster.host(2).node.campaign();
    cluster.drainAll();
    cluster.deliverAll(votesOnly);
    cluster.deliverAll(votesOnly);
    assert.equal(cluster.host(2).status().role, 'leader');
    cluster.isolate(2);
    cluster.queue = [];
    // 1 wins term 3 (its log is longer) and replicates the term-1 entry to 3 first.
    cluster.host(1).node.campaign();
    cluster.drainAll();
    for (let round = 0; round < 50 && cluster.queue.length > 0; round++) {
      cluster.deliverAll();
      const commit = cluster.host(1).status().commit;
      const newEntryThere = cluster.host(3).storage.lastIndex() > old.index;
      if (commit >= old.index) assert.ok(newEntryThere, 'old-term entry committed by count');
    }
    assert.equal(cluster.host(1).status().role, 'leader');
    assert.equal(cluster.host(1).status().commit, old.index + 1);
    assert.deepEqual(appliedData(cluster, 3), ['old']);
  });

  it('persist-before-send: votes and acks wait for the fsync, appends do not', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.campaign(1);
    cluster.host(1).node.propose(Buffer.from('a'));
    const leaderReady = cluster.host(1).node.ready();
    assert.ok(leaderReady.messages.some((m) => m.type === 'append'));
    assert.equal(leaderReady.messagesAfterPersist.length, 0);
    cluster.host(1).storage.append(leaderReady.entries);
    cluster.host(1).node.advance();
    const append = leaderReady.messages.find((m) => m.type === 'append' && m.to === 2);
    assert.ok(append !== undefined);
    cluster.host(2).node.step(append);
    const followerReady = cluster.host(2).node.ready();
    assert.equal(followerReady.entries.length, 1);
    assert.equal(followerReady.messages.length, 0);
    assert.deepEqual(
      followerReady.messagesAfterPersist.map((m: Message) => m.type),
      ['appendResponse'],
    );
    cluster.host(2).storage.append(followerReady.entries);
    cluster.host(2).node.advance();
  });

  it('§5.3: the leader counts itself only after persisting its own entries', () => {
    const cluster = new Cluster([1]);
    cluster.campaign(1);
    const node = cluster.host(1).node;
    node.propose(Buffer.from('a'));
    const ready = node.ready();
    assert.equal(ready.entries.length, 1);
    assert.equal(ready.committedEntries.length, 0);
    cluster.host(1).storage.append(ready.entries);
    node.advance();
    assert.equal(node.status().commit, ready.entries[0]?.index);
  });

  it('flow control: a replicating follower gets at most inflightMessagesMax appends', () => {
    const options = { ...defaultHostOptions, inflightMessagesMax: 2 };
    const cluster = new Cluster([1, 2, 3], [], options);
    cluster.campaign(1);
    cluster.drainAll();
    cluster.queue = [];
    for (let i = 0; i < 5; i++) cluster.host(1).node.propose(Buffer.from(`p${i}`));
    cluster.drainAll();
    const toTwo = cluster.queue.filter((m) => m.type === 'append' && m.to === 2);
    assert.equal(toTwo.length, 2);
    cluster.stabilize();
    assert.equal(appliedData(cluster, 2).length, 5);
  });

  it('batching: one append carries many entries, cut at appendBytesMax', () => {
    const options = { ...defaultHostOptions, appendBytesMax: 200 };
    const cluster = new Cluster([1, 2, 3], [], options);
    cluster.campaign(1);
    cluster.isolate(2);
    for (let i = 0; i < 20; i++) cluster.propose(1, `entry-${i}`);
    cluster.heal();
    cluster.tick(1, defaultHostOptions.heartbeatTicks);
    cluster.stabilize();
    const appends = cluster.delivered.filter((m) => m.type === 'append' && m.to === 2);
    const sizes = appends.map((m) => (m.type === 'append' ? m.entries.length : 0));
    assert.ok(
      sizes.some((n) => n > 1),
      `no batched append: ${sizes.join(',')}`,
    );
    assert.ok(
      sizes.every((n) => n <= 7),
      `append over the byte cap: ${sizes.join(',')}`,
    );
    assert.equal(appliedData(cluster, 2).length, 20);
  });

  it('caps: a leader refuses proposals past uncommittedBytesMax until entries apply', () => {
    const options = { ...defaultHostOptions, uncommittedBytesMax: 200 };
    const cluster = new Cluster([1, 2, 3], [], options);
    cluster.campaign(1);
    cluster.isolate(2);
    cluster.isolate(3);
    const results = Array.from({ length: 10 }, (_, i) => cluster.propose(1, `p${i}`));
    const refused = results.filter((r) => !r.ok);
    assert.ok(refused.length > 0);
    assert.match(refused[0]?.ok === false ? refused[0].reason : '', /uncommitted/);
    cluster.heal();
    cluster.tick(1, defaultHostOptions.heartbeatTicks);
    cluster.stabilize();
    assert.ok(cluster.propose(1, 'after').ok);
  });
});
