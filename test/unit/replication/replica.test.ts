/**
 * The Replica over real RaftNodes in a scripted three-member cluster: a new leader refuses
 * writes until it has applied its term's first entry; proposals get zxid = log index and come
 * back from apply with their origin and request id on every member; writes of unknown or
 * closing sessions become sessionExpired error txns; a session id is never created twice; a
 * leader that steps down forgets its overlay; barriers apply as barriers; a proposal consensus
 * refuses leaves the overlay as it was; and a mixed workload leaves identical trees.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Err } from '../../../src/protocol/error-codes.js';
import type { CreateRequest } from '../../../src/protocol/requests.js';
import { DivergenceError } from '../../../src/replication/digest-ledger.js';
import type { Applied } from '../../../src/replication/replica.js';
import type { WriteInput } from '../../../src/replication/write-input.js';
import { OPEN_ACL_UNSAFE } from '../../../src/tree/acl.js';
import type { Txn } from '../../../src/tree/txn.js';
import { ReplicaCluster, treeImage } from './replica-cluster.js';

const time = 1_700_000_000_000;

function create(path: string, flags = 0, data = 'x'): CreateRequest {
  return { type: 1, path, data: Buffer.from(data), acl: [...OPEN_ACL_UNSAFE], flags, ttl: -1 };
}

function request(sessionId: bigint, req: Extract<WriteInput, { type: 'request' }>['request']) {
  return { type: 'request' as const, sessionId, ids: [], request: req };
}

function openSession(sessionId: bigint): WriteInput {
  return { type: 'createSession', sessionId, timeoutMs: 30_000, passwd: Buffer.alloc(16, 7) };
}

/** A cluster with member 1 leading and accepting writes. */
function ready(options = {}): ReplicaCluster {
  const cluster = new ReplicaCluster([1, 2, 3], options);
  cluster.campaign(1);
  assert.ok(cluster.replica(1).acceptingWrites());
  return cluster;
}

/** Proposes on the leader, asserting acceptance; returns the index. */
function propose(cluster: ReplicaCluster, id: number, input: WriteInput, requestId = 0): number {
  const outcome = cluster.replica(id).propose(input, id, requestId, time);
  assert.ok(outcome.ok, `proposal refused: ${outcome.ok ? '' : outcome.reason}`);
  return outcome.index;
}

function txns(applied: readonly Applied[]): Extract<Applied, { kind: 'txn' }>[] {
  return applied.filter((a): a is Extract<Applied, { kind: 'txn' }> => a.kind === 'txn');
}

function appliedAt(cluster: ReplicaCluster, id: number, index: number): Applied {
  const found = cluster.host(id).applied.find((a) => a.index === index);
  assert.ok(found !== undefined, `host ${id} did not apply ${index}`);
  return found;
}

function txnAt(cluster: ReplicaCluster, id: number, index: number): Txn {
  const applied = appliedAt(cluster, id, index);
  assert.equal(applied.kind, 'txn');
  return applied.txn;
}

describe('Replica', () => {
  it('a new leader refuses writes until it has applied its first entry of the term', () => {
    const cluster = new ReplicaCluster();
    cluster.host(1).node.campaign();
    // Elect 1, but hold back the appends that would commit its empty entry.
    cluster.stabilize((m) => m.type !== 'append');
    const r1 = cluster.replica(1);
    assert.ok(r1.isLeader);
    assert.equal(r1.leader, 1);
    assert.equal(r1.acceptingWrites(), false);
    const lastIndex = cluster.host(1).node.lastIndex();
    const refused = r1.propose({ type: 'barrier' }, 1, 1, time);
    assert.deepEqual(refused, {
      ok: false,
      reason: 'not the leader or not caught up yet',
      leader: 1,
      retryable: true,
    });
    assert.equal(cluster.host(1).node.lastIndex(), lastIndex, 'nothing was appended');
    cluster.release();
    cluster.stabilize();
    assert.ok(r1.acceptingWrites());
    assert.equal(r1.applied, lastIndex);
    // Followers never accept writes, and name the leader.
    const outcome = cluster.replica(2).propose({ type: 'barrier' }, 2, 1, time);
    assert.deepEqual(outcome, {
      ok: false,
      reason: 'not the leader or not caught up yet',
      leader: 1,
      retryable: true,
    });
  });

  it('a new leader holding unapplied entries of an earlier term waits for them', () => {
    const cluster = ready();
    propose(cluster, 1, openSession(1n));
    cluster.stabilize();
    // Entries committed on 1 and 2 only; 3 is cut off.
    cluster.isolate(3);
    const index = propose(cluster, 1, request(1n, create('/a')), 11);
    cluster.stabilize();
    cluster.heal();
    // 2 takes over: it has /a in its log; its term's entry follows it.
    cluster.isolate(1);
    const leader = cluster.electWithout(1);
    assert.equal(leader, 2);
    const r2 = cluster.replica(2);
    assert.ok(r2.acceptingWrites());
    assert.ok(r2.applied > index);
    assert.ok(r2.tree.get('/a') !== undefined);
    const again = propose(cluster, 2, request(1n, create('/a')));
    cluster.stabilize();
    assert.deepEqual(txnAt(cluster, 2, again).body, { type: 'error', err: Err.nodeExists });
  });

  it('gives each txn zxid = log index and answers origin and request id on every member', () => {
    const cluster = ready();
    const inputs: [WriteInput, number, number][] = [
      [openSession(5n), 2, 9_000_000_001],
      [request(5n, create('/x')), 3, 9_000_000_002],
      [request(5n, { type: 5, path: '/x', data: Buffer.from('y'), version: 0 }), 1, 17],
      [{ type: 'barrier' }, 2, 2 ** 53 - 1],
    ];
    const indexes: number[] = [];
    for (const [input, origin, requestId] of inputs) {
      const expected = cluster.host(1).node.lastIndex() + 1;
      const outcome = cluster.replica(1).propose(input, origin, requestId, time);
      assert.deepEqual(outcome, { ok: true, index: expected });
      indexes.push(expected);
    }
    cluster.stabilize();
    for (const id of [1, 2, 3]) {
      const host = cluster.host(id);
      assert.equal(host.replica.applied, indexes[3]);
      inputs.forEach(([input, origin, requestId], i) => {
        const applied = appliedAt(cluster, id, indexes[i] ?? -1);
        assert.equal(applied.kind, input.type === 'barrier' ? 'barrier' : 'txn');
        assert.equal(applied.origin, origin);
        assert.equal(applied.requestId, requestId);
        if (applied.kind === 'txn') {
          assert.equal(applied.txn.zxid, applied.index);
          assert.equal(applied.result.zxid, applied.index);
        }
      });
      assert.equal(host.replica.tree.get('/x')?.data, 'y');
    }
  });

  it('a write of a session that does not exist becomes a sessionExpired error txn', () => {
    const cluster = ready();
    const index = propose(cluster, 1, request(99n, create('/ghost')), 4);
    cluster.stabilize();
    for (const id of [1, 2, 3]) {
      const txn = txnAt(cluster, id, index);
      assert.deepEqual(txn.body, { type: 'error', err: Err.sessionExpired });
      assert.equal(txn.sessionId, 99n);
      assert.equal(cluster.replica(id).tree.get('/ghost'), undefined);
    }
    // Closing an unknown session is the same error, not a closeSession.
    const close = propose(cluster, 1, { type: 'closeSession', sessionId: 99n });
    cluster.stabilize();
    assert.deepEqual(txnAt(cluster, 3, close).body, { type: 'error', err: Err.sessionExpired });
  });

  it('a session being created is live; one being closed is not, even before apply', () => {
    const cluster = ready();
    const r1 = cluster.replica(1);
    // Not applied yet: the leader knows it is coming.
    propose(cluster, 1, openSession(6n));
    assert.ok(r1.sessionLive(6n));
    const created = propose(cluster, 1, request(6n, create('/e', 1)));
    propose(cluster, 1, { type: 'closeSession', sessionId: 6n });
    assert.equal(r1.sessionLive(6n), false);
    const late = propose(cluster, 1, request(6n, create('/late')));
    const reclose = propose(cluster, 1, { type: 'closeSession', sessionId: 6n });
    cluster.stabilize();
    assert.equal(txnAt(cluster, 2, created).body.type, 'ops');
    assert.deepEqual(txnAt(cluster, 2, late).body, { type: 'error', err: Err.sessionExpired });
    assert.deepEqual(txnAt(cluster, 2, reclose).body, { type: 'error', err: Err.sessionExpired });
    for (const id of [1, 2, 3]) {
      const tree = cluster.replica(id).tree;
      assert.equal(tree.get('/e'), undefined, 'the ephemeral went with its session');
      assert.equal(tree.get('/late'), undefined);
      assert.equal(tree.sessions.has(6n), false);
    }
    assert.equal(r1.sessionLive(6n), false);
  });

  it('a closeSession that became an error leaves no trace: the id can live again', () => {
    const cluster = ready();
    // The session is already gone (say, expired) when its client's close arrives.
    const close = propose(cluster, 1, { type: 'closeSession', sessionId: 42n });
    cluster.stabilize();
    assert.deepEqual(txnAt(cluster, 1, close).body, { type: 'error', err: Err.sessionExpired });
    propose(cluster, 1, openSession(42n));
    cluster.stabilize();
    assert.ok(cluster.replica(1).tree.sessions.has(42n));
    assert.ok(cluster.replica(1).sessionLive(42n), 'a committed session is live');
    const index = propose(cluster, 1, request(42n, create('/mine')));
    cluster.stabilize();
    assert.equal(txnAt(cluster, 2, index).body.type, 'ops');
  });

  it('a refused sequential create does not use up a sequence number', () => {
    const cluster = ready({ uncommittedBytesMax: 200 });
    propose(cluster, 1, openSession(1n));
    cluster.stabilize();
    propose(cluster, 1, request(1n, create('/q')));
    cluster.stabilize();
    const r1 = cluster.replica(1);
    cluster.isolate(1);
    const first = propose(cluster, 1, request(1n, create('/q/s-', 2)));
    let refused = 0;
    for (let i = 0; i < 3; i++) {
      if (!r1.propose(request(1n, create('/q/s-', 2)), 1, i, time).ok) refused++;
    }
    assert.equal(refused, 3);
    assert.equal(r1.overlay.lookup('/q')?.creations, 1);
    cluster.heal();
    cluster.tick(1);
    cluster.stabilize();
    const second = propose(cluster, 1, request(1n, create('/q/s-', 2)));
    cluster.stabilize();
    for (const id of [1, 2, 3]) {
      assert.ok(appliedAt(cluster, id, first).index === first);
      assert.deepEqual([...cluster.replica(id).tree.mustGet('/q').childNames()].sort(), [
        's-0000000000',
        's-0000000001',
      ]);
    }
    assert.ok(second > first);
  });

  it('refuses to create a session id twice, pending or applied', () => {
    const cluster = ready();
    const r1 = cluster.replica(1);
    propose(cluster, 1, openSession(7n));
    const lastIndex = cluster.host(1).node.lastIndex();
    const pending = r1.propose(openSession(7n), 1, 2, time);
    assert.deepEqual(pending, {
      ok: false,
      reason: 'session id already in use',
      leader: 1,
      retryable: false,
    });
    assert.equal(cluster.host(1).node.lastIndex(), lastIndex, 'nothing was appended');
    cluster.stabilize();
    assert.ok(r1.tree.sessions.has(7n));
    const applied = r1.propose(openSession(7n), 1, 3, time);
    assert.deepEqual(applied, {
      ok: false,
      reason: 'session id already in use',
      leader: 1,
      retryable: false,
    });
    // Closed, the id may be used again.
    propose(cluster, 1, { type: 'closeSession', sessionId: 7n });
    cluster.stabilize();
    propose(cluster, 1, openSession(7n));
    cluster.stabilize();
    for (const id of [1, 2, 3]) assert.ok(cluster.replica(id).tree.sessions.has(7n));
  });

  it('a leader that steps down clears its overlay and prepares afresh when it leads again', () => {
    const cluster = ready();
    propose(cluster, 1, openSession(1n));
    cluster.stabilize();
    const r1 = cluster.replica(1);
    cluster.isolate(1);
    // Written by 1 alone: never committed.
    propose(cluster, 1, request(1n, create('/lost')));
    propose(cluster, 1, openSession(2n));
    propose(cluster, 1, { type: 'closeSession', sessionId: 1n });
    cluster.stabilize();
    assert.ok(r1.overlay.size > 0);
    assert.equal(r1.sessionLive(2n), true);
    assert.equal(r1.sessionLive(1n), false);
    const leader = cluster.electWithout(1);
    propose(cluster, leader, request(1n, create('/kept')));
    cluster.heal();
    cluster.tick(leader);
    cluster.stabilize();
    assert.equal(r1.isLeader, false);
    assert.equal(r1.leader, leader);
    assert.equal(r1.overlay.size, 0);
    assert.equal(r1.overlay.lookup('/lost'), null);
    assert.equal(r1.sessionLive(2n), false, 'the pending createSession is forgotten');
    assert.equal(r1.sessionLive(1n), true, 'the pending closeSession is forgotten');
    assert.equal(r1.tree.get('/lost'), undefined);
    assert.ok(r1.tree.get('/kept') !== undefined);
    // 1 leads again: /lost can be created (no stale record says it exists).
    cluster.host(leader).node.transferLeadership(1);
    cluster.stabilize();
    assert.ok(r1.acceptingWrites());
    const index = propose(cluster, 1, request(1n, create('/lost')));
    const reopen = propose(cluster, 1, openSession(2n));
    cluster.stabilize();
    assert.equal(txnAt(cluster, 3, index).body.type, 'ops');
    assert.equal(txnAt(cluster, 3, reopen).body.type, 'createSession');
    const images = [1, 2, 3].map((id) => treeImage(cluster.replica(id).tree));
    assert.equal(images[1], images[0]);
    assert.equal(images[2], images[0]);
  });

  it('a member whose tree diverged stops at the next entry, naming the index', () => {
    const cluster = ready();
    propose(cluster, 1, openSession(1n));
    propose(cluster, 1, request(1n, create('/d', 0, 'same')));
    cluster.stabilize();
    // Damage member 3's copy behind the replica's back (a bug, a bad disk): its digest at the
    // applied index no longer matches the one the leader puts in its next entry.
    const tree3 = cluster.replica(3).tree;
    const at = cluster.replica(3).applied;
    tree3.setData('/d', 'other', 0, tree3.mustGet('/d').mzxid, tree3.mustGet('/d').mtime);
    cluster.replica(3).ledger.record(at, tree3.digest);
    propose(cluster, 1, request(1n, create('/e')));
    assert.throws(
      () => cluster.stabilize(),
      (error: unknown) => error instanceof DivergenceError && error.index === at,
    );
    assert.ok(cluster.replica(1).ledger.checked > 0, 'the leader checked itself too');
  });

  it('a barrier applies as a barrier on every member and changes nothing', () => {
    const cluster = ready();
    const before = treeImage(cluster.replica(1).tree);
    const index = propose(cluster, 1, { type: 'barrier' }, 77);
    assert.equal(cluster.replica(1).overlay.size, 0);
    cluster.stabilize();
    for (const id of [1, 2, 3]) {
      assert.deepEqual(appliedAt(cluster, id, index), {
        kind: 'barrier',
        index,
        origin: 1,
        requestId: 77,
      });
      assert.equal(treeImage(cluster.replica(id).tree), before);
      assert.equal(cluster.replica(id).applied, index);
    }
  });

  it('a proposal consensus refuses leaves the overlay as it was', () => {
    const cluster = ready({ uncommittedBytesMax: 340 });
    propose(cluster, 1, openSession(1n));
    propose(cluster, 1, request(1n, create('/p')));
    cluster.stabilize();
    const r1 = cluster.replica(1);
    const node = cluster.host(1).node;
    // Nothing commits while 1 is cut off: uncommitted bytes pile up until refused.
    cluster.isolate(1);
    const accepted: string[] = [];
    let refusal: string | undefined;
    for (let i = 0; i < 50; i++) {
      const path = `/p/n${i}`;
      const outcome = r1.propose(request(1n, create(path)), 1, i, time);
      if (!outcome.ok) {
        refusal = outcome.reason;
        break;
      }
      accepted.push(path);
    }
    assert.equal(refusal, 'too many uncommitted entries; retry later');
    assert.ok(accepted.length > 0);
    const last = accepted[accepted.length - 1] ?? '';
    const size = r1.overlay.size;
    const lastIndex = node.lastIndex();
    const parentView = r1.overlay.lookup('/p');
    assert.equal(parentView?.numChildren, accepted.length);
    assert.equal(
      r1.overlay.lookup(`/p/n${accepted.length}`),
      null,
      'the refused create left no record',
    );
    // A set over a pending create: the create's record comes back.
    const set = r1.propose(
      request(1n, { type: 5, path: last, data: Buffer.from('v'), version: 0 }),
      1,
      0,
      time,
    );
    assert.deepEqual(set, { ok: false, reason: refusal, leader: 1, retryable: true });
    assert.equal(r1.overlay.lookup(last)?.version, 0);
    // A multi touching several paths, some pending, some committed.
    const multi = r1.propose(
      request(1n, {
        type: 14,
        ops: [
          { type: 2, path: last, version: -1 },
          create('/p/fresh'),
          { type: 5, path: '/p', data: Buffer.from('w'), version: 0 },
        ],
      }),
      1,
      0,
      time,
    );
    assert.equal(multi.ok, false);
    assert.equal(r1.overlay.lookup('/p/fresh'), null);
    assert.ok(r1.overlay.lookup(last) !== null);
    assert.deepEqual(r1.overlay.lookup('/p'), parentView);
    assert.equal(r1.overlay.size, size);
    assert.equal(node.lastIndex(), lastIndex);
    // Once the entries commit, everything accepted is applied; nothing refused is.
    cluster.heal();
    cluster.tick(1);
    cluster.stabilize();
    for (const id of [1, 2, 3]) {
      const tree = cluster.replica(id).tree;
      assert.equal(tree.get(last)?.data, 'x', 'the refused set never happened');
      assert.equal(tree.get('/p/fresh'), undefined);
      assert.equal(tree.mustGet('/p').numChildren, accepted.length);
    }
    assert.equal(r1.overlay.size, 0);
    assert.ok(r1.propose(request(1n, create('/p/fresh')), 1, 0, time).ok);
  });

  it('a mixed workload leaves identical trees on all three members', () => {
    const cluster = ready();
    const work: WriteInput[] = [
      openSession(1n),
      openSession(2n),
      request(1n, create('/app')),
      request(1n, create('/app/seq-', 2)),
      request(1n, create('/app/seq-', 2)),
      request(2n, create('/app/eph', 1)),
      request(2n, create('/app/eph-seq-', 3)),
      request(1n, create('/app/eph', 1)),
      request(1n, { type: 5, path: '/app', data: Buffer.from('v1'), version: 0 }),
      request(1n, { type: 5, path: '/app', data: Buffer.from('v2'), version: 0 }),
      request(1n, {
        type: 14,
        ops: [
          create('/app/m1'),
          { type: 13, path: '/app', version: 1 },
          { type: 5, path: '/app/m1', data: Buffer.from('m'), version: 0 },
        ],
      }),
      request(1n, {
        type: 14,
        ops: [create('/app/m2'), { type: 2, path: '/nope', version: -1 }],
      }),
      request(1n, { type: 2, path: '/app/seq-0000000000', version: -1 }),
      request(1n, { type: 2, path: '/app', version: -1 }),
      { type: 'closeSession', sessionId: 2n },
      request(1n, create('/app/after', 1)),
    ];
    const indexes = work.map((input, i) => propose(cluster, 1, input, i));
    cluster.stabilize();
    const images = [1, 2, 3].map((id) => treeImage(cluster.replica(id).tree));
    assert.equal(images[1], images[0]);
    assert.equal(images[2], images[0]);
    const tree = cluster.replica(3).tree;
    assert.equal(tree.get('/app')?.data, 'v1');
    assert.equal(tree.get('/app/m1')?.data, 'm');
    assert.equal(tree.get('/app/m2'), undefined, 'a failed multi changes nothing');
    assert.equal(tree.get('/app/seq-0000000000'), undefined);
    assert.ok(tree.get('/app/seq-0000000001') !== undefined);
    assert.equal(tree.get('/app/eph'), undefined, "2's ephemerals went with its session");
    assert.equal(tree.get('/app/eph-seq-0000000003'), undefined);
    assert.equal(tree.get('/app/after')?.ephemeralOwner, 1n);
    assert.deepEqual([...tree.sessions.keys()], [1n]);
    assert.deepEqual([...(tree.ephemerals.get(1n) ?? [])], ['/app/after']);
    const bodies = txns(cluster.host(2).applied).map((a) => a.txn.body.type);
    assert.deepEqual(
      txns(cluster.host(2).applied).map((a) => a.index),
      indexes,
    );
    assert.equal(bodies.filter((b) => b === 'error').length, 3, 'eph exists, bad version, /app');
    assert.equal(bodies.filter((b) => b === 'multiError').length, 1);
  });
});
