/**
 * Snapshots are exact images at one zxid even though the tree keeps changing while the
 * snapshot is written (copy-on-write). fast-check builds random trees, starts a snapshot,
 * interleaves random writes with consuming the records, and checks the loaded image equals
 * a deep copy taken at the start; a txn codec round trip rides along.
 */
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { beginSnapshot, loadSnapshot } from '../../../src/tree/snapshot-codec.js';
import { decodeTxn, txnToBuffer } from '../../../src/tree/txn-codec.js';
import type { DataTree } from '../../../src/tree/data-tree.js';
import { toStat } from '../../../src/tree/node.js';
import { TreeHarness } from './harness.js';

type Op = { kind: 'create' | 'delete' | 'set'; a: number; b: number; flags: number };

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('create', 'delete', 'set'),
  a: fc.integer({ min: 0, max: 4 }),
  b: fc.integer({ min: 0, max: 4 }),
  flags: fc.constantFrom(0, 1, 2),
});

function pathOf(op: Op): string {
  return op.b === 0 ? `/n${op.a}` : `/n${op.a}/c${op.b}`;
}

function step(h: TreeHarness, op: Op): void {
  const path = pathOf(op);
  if (op.kind === 'create') h.create(path, op.flags, Buffer.from(`${op.a}${op.b}`));
  else if (op.kind === 'delete') h.run({ type: 2, path, version: -1 });
  else h.run({ type: 5, path, data: Buffer.from(`v${h.zxid}`), version: -1 });
}

function image(tree: DataTree): string {
  const entries = [...tree.entries()].map(([path, node]) => {
    const s = toStat(node);
    const data = node.data === null ? 'null' : Buffer.from(node.data, 'latin1').toString('hex');
    return `${path} ${data} ${JSON.stringify(node.acl)} ${JSON.stringify(s, (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v,
    )}`;
  });
  const sessions = [...tree.sessions.keys()].map(String);
  return [...entries.sort(), ...sessions.sort(), `zxid=${tree.lastZxid}`].join('\n');
}

describe('snapshot', () => {
  it('is an exact image at its zxid while writes keep applying', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 40 }),
        fc.array(opArb, { maxLength: 40 }),
        fc.integer({ min: 0, max: 5 }),
        (before, during, consumeFirst) => {
          const h = new TreeHarness();
          for (const op of before) step(h, op);
          const expected = image(h.tree);
          const snap = beginSnapshot(h.tree);
          const records: Buffer[] = [];
          let i = 0;
          for (const record of snap.records) {
            records.push(Buffer.from(record));
            if (i++ >= consumeFirst) for (const op of during.splice(0, 3)) step(h, op);
          }
          for (const op of during) step(h, op);
          assert.equal(h.tree.mutationHook, null, 'the hook is released at the end');
          assert.equal(image(loadSnapshot(records)), expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('small records: 2500 nodes span several records and load back', () => {
    const h = new TreeHarness();
    for (let i = 0; i < 2500; i++) h.create(`/k${i}`);
    const snap = beginSnapshot(h.tree);
    const records = Array.from(snap.records, (r) => Buffer.from(r));
    assert.ok(records.length >= 4);
    assert.equal(image(loadSnapshot(records)), image(h.tree));
  });
});

describe('snapshot packing', () => {
  it('deflates node records that compress, keeps the others as they are, and loads both', () => {
    const h = new TreeHarness();
    h.create('/text');
    h.create('/noise');
    for (let i = 0; i < 1500; i++) h.create(`/text/n${i}`, 0, Buffer.from(`{"id":${i},"x":1}`));
    for (let i = 0; i < 1500; i++) h.create(`/noise/n${i}`, 0, randomBytes(200));
    const snap = beginSnapshot(h.tree);
    const records = Array.from(snap.records, (r) => Buffer.from(r));
    const types = records.map((r) => r[0]);
    assert.ok(types.includes(4), 'a packed record');
    assert.ok(types.includes(3), 'a record left as it is');
    assert.equal(loadSnapshot(records).nodeCount, h.tree.nodeCount);
    assert.equal(image(loadSnapshot(records)), image(h.tree));
  });

  it('refuses a packed record that does not inflate, naming it', () => {
    const h = new TreeHarness();
    for (let i = 0; i < 100; i++) h.create(`/n${i}`, 0, Buffer.from('same same same'));
    const snap = beginSnapshot(h.tree);
    const records = Array.from(snap.records, (r) => Buffer.from(r));
    const packed = records.find((r) => r[0] === 4) as Buffer;
    packed.fill(0xff, 1, 9);
    assert.throws(() => loadSnapshot(records), /packed snapshot record does not inflate/);
  });
});

describe('snapshot lifetime', () => {
  it('abandon() ends a snapshot whose records were never read, and is harmless after', () => {
    const h = new TreeHarness();
    h.create('/a');
    const first = beginSnapshot(h.tree);
    assert.notEqual(h.tree.mutationHook, null);
    first.abandon();
    assert.equal(h.tree.mutationHook, null, 'the copy-on-write hook is released');
    const second = beginSnapshot(h.tree);
    h.create('/b');
    const records = Array.from(second.records, (r) => Buffer.from(r));
    first.abandon();
    second.abandon();
    assert.equal(h.tree.mutationHook, null);
    assert.equal(loadSnapshot(records).get('/b'), undefined, 'the image predates /b');
  });
});

describe('txn codec', () => {
  it('round-trips every txn the harness produces', () => {
    const h = new TreeHarness();
    const txns = [
      h.create('/a').txn,
      h.create('/a/e', 1).txn,
      h.run({ type: 5, path: '/a', data: null, version: 0 }).txn,
      h.run({
        type: 7,
        path: '/a',
        acl: [{ perms: 1, id: { scheme: 'ip', id: '10.0.0.0/8' } }],
        version: -1,
      }).txn,
      h.run({ type: 2, path: '/nope', version: -1 }).txn,
    ];
    for (const txn of txns) assert.deepEqual(decodeTxn(txnToBuffer(txn)), txn);
  });
});
