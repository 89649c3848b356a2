/**
 * Tree semantics, checked directly on prepare + apply: the error codes and their order,
 * Stat bookkeeping (cversion counts creations and deletions, pzxid moves on child delete,
 * parent mtime untouched), sequential naming from the creation counter, multi atomicity with
 * per-op codes, and validation against prepared-but-unapplied writes (the overlay).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Err } from '../../../src/protocol/error-codes.js';
import { toStat } from '../../../src/tree/node.js';
import { TreeHarness } from './harness.js';

describe('create', () => {
  it('names sequential nodes from the parent creation counter, not the live children', () => {
    const h = new TreeHarness();
    h.create('/t');
    h.create('/t/a');
    h.create('/t/b');
    h.run({ type: 2, path: '/t/a', version: -1 });
    const { result } = h.create('/t/c-', 2);
    assert.equal(result.ops[0]?.path, '/t/c-0000000002');
    const { result: r2 } = h.create('/t/', 2);
    assert.equal(r2.ops[0]?.path, '/t/0000000003');
  });

  it('reports cversion as creations plus deletions and keeps pzxid of the last delete', () => {
    const h = new TreeHarness();
    h.create('/p');
    h.create('/p/x');
    const { txn } = h.run({ type: 2, path: '/p/x', version: -1 });
    const stat = toStat(h.tree.mustGet('/p'));
    assert.equal(stat.cversion, 2);
    assert.equal(stat.numChildren, 0);
    assert.equal(stat.pzxid, txn.zxid);
    assert.equal(stat.mzxid, stat.czxid, 'child ops do not touch the parent mzxid');
  });

  it('the fresh root reports cversion -1 and /zookeeper -2', () => {
    const h = new TreeHarness();
    assert.equal(toStat(h.tree.mustGet('/')).cversion, -1);
    assert.equal(toStat(h.tree.mustGet('/zookeeper')).cversion, -2);
    assert.equal(toStat(h.tree.mustGet('/zookeeper/config')).aversion, -1);
  });

  it('checks in ZooKeeper order: flags, ttl, path, acl, parent, perms, exists, ephemeral parent', () => {
    const h = new TreeHarness();
    const base = {
      type: 15 as const,
      data: null,
      acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
      ttl: -1,
    };
    assert.equal(h.errOf(h.prepare({ ...base, path: '/a', flags: 9 })), Err.badArguments);
    assert.equal(h.errOf(h.prepare({ ...base, path: 'a', flags: 0 })), Err.badArguments);
    assert.equal(h.errOf(h.prepare({ ...base, path: '/a', flags: 0, acl: [] })), Err.invalidACL);
    assert.equal(h.errOf(h.prepare({ ...base, path: '/a/b', flags: 0 })), Err.noNode);
    assert.equal(h.errOf(h.prepare({ ...base, path: '/a//b', flags: 0, acl: [] })), Err.invalidACL);
    h.create('/e', 1);
    assert.equal(
      h.errOf(h.prepare({ ...base, path: '/e/c', flags: 0 })),
      Err.noChildrenForEphemerals,
    );
    assert.equal(h.errOf(h.prepare({ ...base, path: '/e', flags: 0 })), Err.nodeExists);
    assert.equal(h.errOf(h.prepare({ ...base, path: '/', flags: 0 })), Err.nodeExists);
  });

  it('TTL creates need extended types and a ttl in range', () => {
    const h = new TreeHarness();
    const req = { type: 21 as const, path: '/ttl', data: null, acl: null, flags: 5, ttl: 100 };
    h.extendedTypesEnabled = false;
    assert.equal(
      h.errOf(h.prepare({ ...req, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }] })),
      Err.unimplemented,
    );
    h.extendedTypesEnabled = true;
    assert.equal(
      h.errOf(
        h.prepare({ ...req, ttl: 0, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }] }),
      ),
      Err.badArguments,
    );
  });
});

describe('delete, setData, setACL', () => {
  it('refuses special paths, wrong versions and non-empty nodes', () => {
    const h = new TreeHarness();
    assert.equal(
      h.errOf(h.prepare({ type: 2, path: '/zookeeper', version: -1 })),
      Err.badArguments,
    );
    h.create('/n');
    h.create('/n/c');
    assert.equal(h.errOf(h.prepare({ type: 2, path: '/n', version: 3 })), Err.badVersion);
    assert.equal(h.errOf(h.prepare({ type: 2, path: '/n', version: 0 })), Err.notEmpty);
    assert.equal(h.errOf(h.prepare({ type: 2, path: '/missing/x', version: -1 })), Err.noNode);
  });

  it('setData bumps version and mzxid, keeps the ephemeral owner', () => {
    const h = new TreeHarness();
    h.create('/e', 1);
    const { txn, result } = h.run({ type: 5, path: '/e', data: Buffer.from('new'), version: 0 });
    const stat = result.ops[0]?.stat;
    assert.equal(stat?.version, 1);
    assert.equal(stat?.mzxid, txn.zxid);
    assert.equal(stat?.ephemeralOwner, h.sessionId);
    assert.equal(
      h.errOf(h.prepare({ type: 5, path: '/e', data: null, version: 0 })),
      Err.badVersion,
    );
  });

  it('setACL checks ADMIN and aversion', () => {
    const h = new TreeHarness();
    h.create('/a');
    const acl = [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }];
    h.run({ type: 7, path: '/a', acl, version: 0 });
    assert.equal(h.errOf(h.prepare({ type: 7, path: '/a', acl, version: 1 })), Err.noAuth);
    assert.equal(h.errOf(h.prepare({ type: 5, path: '/a', data: null, version: -1 })), Err.noAuth);
  });
});

describe('multi', () => {
  it('sees its own earlier ops and shares one zxid', () => {
    const h = new TreeHarness();
    const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
    const { txn, result } = h.run({
      type: 14,
      ops: [
        { type: 1, path: '/m', data: null, acl, flags: 0, ttl: -1 },
        { type: 1, path: '/m/s-', data: null, acl, flags: 2, ttl: -1 },
        { type: 5, path: '/m', data: Buffer.from('v'), version: 0 },
        { type: 13, path: '/m', version: 1 },
      ],
    });
    assert.equal(txn.body.type, 'ops');
    assert.equal(result.ops[1]?.path, '/m/s-0000000000');
    assert.equal(h.tree.mustGet('/m').mzxid, txn.zxid);
    assert.equal(h.tree.mustGet('/m/s-0000000000').czxid, txn.zxid);
  });

  it('a failing op aborts everything with 0 / code / -2 results', () => {
    const h = new TreeHarness();
    const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
    const txn = h.prepare({
      type: 14,
      ops: [
        { type: 1, path: '/x', data: null, acl, flags: 0, ttl: -1 },
        { type: 2, path: '/nope', version: -1 },
        { type: 1, path: '/y', data: null, acl, flags: 0, ttl: -1 },
      ],
    });
    assert.deepEqual(txn.body, {
      type: 'multiError',
      errs: [0, Err.noNode, Err.runtimeInconsistency],
    });
    h.apply(txn);
    assert.equal(h.tree.get('/x'), undefined);
  });
});

describe('overlay', () => {
  it('validates against writes prepared but not yet applied', () => {
    const h = new TreeHarness();
    const first = h.prepare({
      type: 1,
      path: '/o',
      data: null,
      acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
      flags: 0,
      ttl: -1,
    });
    const second = h.prepare({
      type: 1,
      path: '/o',
      data: null,
      acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
      flags: 0,
      ttl: -1,
    });
    assert.equal(h.errOf(second), Err.nodeExists);
    const seq = h.prepare({
      type: 1,
      path: '/o/s',
      data: null,
      acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
      flags: 2,
      ttl: -1,
    });
    const del = h.prepare({ type: 2, path: '/o', version: -1 });
    assert.equal(h.errOf(del), Err.notEmpty);
    h.apply(first);
    h.apply(second);
    h.apply(seq);
    h.apply(del);
    assert.equal(h.overlay.size, 0);
    assert.ok(h.tree.get('/o/s0000000000'));
  });
});
