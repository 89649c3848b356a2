/**
 * The tree digest: kept up to date by every mutation it equals the digest computed from
 * scratch (checked after each of thousands of random writes of every kind, sessions
 * included); a snapshot carries it and a 0.1.0 snapshot (no digest) gets it computed; any
 * change to a replicated field of any node changes it; and the digest ledger stops a member
 * whose digest at a checked index differs, naming the index.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { OPEN_ACL_UNSAFE } from '../../../src/tree/acl.js';
import { applyTxn } from '../../../src/tree/apply.js';
import { beginSnapshot, loadSnapshot } from '../../../src/tree/snapshot-codec.js';
import { DigestLedger, DivergenceError } from '../../../src/replication/digest-ledger.js';
import { TreeHarness } from './harness.js';
import { legacySnapshotRecords } from './legacy-snapshot.js';

const acl = [...OPEN_ACL_UNSAFE];
const paths = ['/a', '/b', '/a/x', '/a/y', '/b/z', '/c'];

type Step =
  | { op: 'create'; path: string; flags: number; data: string }
  | { op: 'set'; path: string; data: string }
  | { op: 'delete'; path: string }
  | { op: 'acl'; path: string; perms: number }
  | { op: 'session'; id: number }
  | { op: 'close'; id: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant('create' as const),
    path: fc.constantFrom(...paths),
    flags: fc.constantFrom(0, 1, 2, 4),
    data: fc.string({ maxLength: 8 }),
  }),
  fc.record({
    op: fc.constant('set' as const),
    path: fc.constantFrom(...paths),
    data: fc.string({ maxLength: 8 }),
  }),
  fc.record({ op: fc.constant('delete' as const), path: fc.constantFrom(...paths) }),
  fc.record({
    op: fc.constant('acl' as const),
    path: fc.constantFrom(...paths),
    perms: fc.integer({ min: 1, max: 31 }),
  }),
  fc.record({ op: fc.constant('session' as const), id: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ op: fc.constant('close' as const), id: fc.integer({ min: 1, max: 3 }) }),
);

function run(h: TreeHarness, s: Step): void {
  switch (s.op) {
    case 'create':
      h.run({ type: 15, path: s.path, data: Buffer.from(s.data), acl, flags: s.flags, ttl: -1 });
      return;
    case 'set':
      h.run({ type: 5, path: s.path, data: Buffer.from(s.data), version: -1 });
      return;
    case 'delete':
      h.run({ type: 2, path: s.path, version: -1 });
      return;
    case 'acl': {
      const next = [{ perms: s.perms, id: { scheme: 'world', id: 'anyone' } }];
      h.run({ type: 7, path: s.path, acl: next, version: -1 });
      return;
    }
    case 'session':
    case 'close': {
      const sessionId = BigInt(s.id);
      const body =
        s.op === 'session'
          ? { type: 'createSession' as const, sessionId, timeoutMs: 5000, passwd: Buffer.alloc(16) }
          : { type: 'closeSession' as const, sessionId };
      if ((s.op === 'session') === h.tree.sessions.has(sessionId)) return;
      applyTxn(h.tree, { zxid: ++h.zxid, time: ++h.time, sessionId: 0n, body });
      return;
    }
  }
}

describe('tree digest', () => {
  it('stays equal to the digest computed from scratch after every write', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const h = new TreeHarness();
        for (const s of steps) {
          run(h, s);
          assert.equal(h.tree.digest, h.tree.computeDigest());
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is carried by a snapshot, and computed for a snapshot without one', () => {
    const h = new TreeHarness();
    for (const path of paths) h.create(path, 0, Buffer.from(path));
    const image = beginSnapshot(h.tree);
    const records = [...image.records].map((record) => Buffer.from(record));
    image.abandon();
    const loaded = loadSnapshot(records);
    assert.equal(loaded.digest, h.tree.digest);
    assert.equal(loaded.computeDigest(), h.tree.digest);
    // Format 1 (0.1.0): the header has no digest; format 2 has one, and full-width nodes.
    assert.equal(loadSnapshot(legacySnapshotRecords(h.tree, 1)).digest, h.tree.digest);
    assert.equal(loadSnapshot(legacySnapshotRecords(h.tree, 2)).digest, h.tree.digest);
  });

  it('changes when any replicated field of a node changes', () => {
    const h = new TreeHarness();
    h.create('/a', 0, Buffer.from('v'));
    const node = h.tree.mustGet('/a');
    const base = h.tree.computeDigest();
    const fields = ['czxid', 'mzxid', 'pzxid', 'ctime', 'mtime', 'version', 'aversion'] as const;
    for (const field of fields) {
      const saved = node[field];
      node[field] = saved + 1;
      assert.notEqual(h.tree.computeDigest(), base, field);
      node[field] = saved;
    }
    node.data = 'w';
    assert.notEqual(h.tree.computeDigest(), base, 'data');
    node.data = 'v';
    assert.equal(h.tree.computeDigest(), base);
  });
});

describe('digest ledger', () => {
  it('checks indexes it remembers, skips older ones, and names the index on a mismatch', () => {
    const ledger = new DigestLedger();
    ledger.record(10, 1234);
    ledger.record(11, 5678);
    ledger.verify(10, 1234, 12);
    assert.equal(ledger.checked, 1);
    ledger.verify(3, 999, 12);
    assert.equal(ledger.skipped, 1);
    assert.throws(
      () => ledger.verify(11, 5679, 12),
      (error: unknown) =>
        error instanceof DivergenceError &&
        error.index === 11 &&
        error.entry === 12 &&
        /after index 11 differs/.test(error.message),
    );
  });
});
