/**
 * getAllChildrenNumber counts descendants; a parent whose children are all leaves answers in
 * constant time, so the tree keeps per node how many of its children have children. After
 * any creates and deletes three levels deep, and after a snapshot load (which may meet nodes
 * before their parents), every node's count equals a walk of the whole tree.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DataTree } from '../../../src/tree/data-tree.js';
import { beginSnapshot, loadSnapshot } from '../../../src/tree/snapshot-codec.js';
import { TreeHarness } from './harness.js';

const step = fc.record({
  create: fc.boolean(),
  path: fc
    .array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 })
    .map((parts) => parts.map((p, depth) => `/${'abc'[depth]}${p}`).join('')),
});

function checkCounts(tree: DataTree): void {
  const paths = Array.from(tree.entries(), ([path]) => path);
  for (const path of paths) {
    const prefix = path === '/' ? '/' : `${path}/`;
    const expected = paths.filter((p) => p !== path && p.startsWith(prefix)).length;
    assert.equal(tree.countDescendants(path), expected, path);
  }
}

describe('descendant counts', () => {
  it('equal a walk of the tree after any creates and deletes, and after a snapshot load', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const h = new TreeHarness();
        for (const s of steps) {
          if (s.create) h.create(s.path);
          else h.run({ type: 2, path: s.path, version: -1 });
        }
        checkCounts(h.tree);
        const snap = beginSnapshot(h.tree);
        const records = Array.from(snap.records, (r) => Buffer.from(r));
        snap.abandon();
        checkCounts(loadSnapshot(records));
      }),
      { numRuns: 300 },
    );
  });
});
