/**
 * Paths longer than V8 hashes (16,383 characters) make the tree's maps quadratic. New ones are
 * refused at prepare (warren.pathBytesMax); a tree loaded from older data may hold a few, and
 * loading or applying past overlongPathsMax refuses clearly instead of crawling. A path under
 * the ceiling always loads, whatever cap the server that wrote it had.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Err } from '../../../src/protocol/error-codes.js';
import { OpCode } from '../../../src/protocol/opcodes.js';
import { OPEN_ACL_UNSAFE } from '../../../src/tree/acl.js';
import { DataTree, newNode, OverlongPathsError } from '../../../src/tree/data-tree.js';
import { NodeKind } from '../../../src/tree/node.js';
import { pathTooLong } from '../../../src/tree/path.js';
import { beginSnapshot, loadSnapshot } from '../../../src/tree/snapshot-codec.js';
import { overlongPathsMax, pathBytesMaxCeiling } from '../../../src/util/limits.js';
import { TreeHarness } from './harness.js';

const acl = [...OPEN_ACL_UNSAFE];
const create = (path: string) =>
  ({ type: OpCode.create, path, data: null, acl, flags: 0, ttl: -1 }) as const;

function records(tree: DataTree): Buffer[] {
  const snap = beginSnapshot(tree);
  const out = [...snap.records].map((record) => Buffer.from(record));
  snap.abandon();
  return out;
}

/** A tree holding `count` sibling paths of `length` characters, built below the cap checks. */
function treeWithPaths(count: number, length: number): DataTree {
  const tree = new DataTree();
  for (let i = 0; i < count; i++) {
    const name = String(i).padStart(6, '0') + 'x'.repeat(length - 7);
    const node = newNode(null, acl, 1, 1, NodeKind.persistent, 0n, 0);
    assert.equal(tree.loadNode(`/${name}`, node, false), null);
    tree.overlongPaths = 0; // below the cap check, to build trees past it
  }
  return tree;
}

describe('path length', () => {
  it('counts UTF-8 bytes', () => {
    assert.equal(pathTooLong('/abc', 4), false);
    assert.equal(pathTooLong('/abcd', 4), true);
    assert.equal(pathTooLong('/é', 3), false); // 1 + 2 bytes
    assert.equal(pathTooLong('/€', 3), true); // 1 + 3 bytes
    assert.equal(pathTooLong('/😀', 5), false); // a surrogate pair is 4 bytes
    assert.equal(pathTooLong('/😀', 4), true);
  });

  it('refuses a write naming a path over the cap with BadArguments, as an invalid path', () => {
    const h = new TreeHarness();
    h.pathBytesMax = 300;
    assert.equal(h.run(create('/' + 'a'.repeat(299))).txn.body.type, 'ops');
    const txn = h.prepare(create('/' + 'a'.repeat(300)));
    assert.deepEqual(txn.body, { type: 'error', err: Err.badArguments });
    const set = h.prepare({
      type: OpCode.setData,
      path: '/' + 'b'.repeat(400),
      data: null,
      version: -1,
    });
    assert.deepEqual(set.body, { type: 'error', err: Err.badArguments });
  });

  it('loads a snapshot whose paths fit the ceiling, whatever cap wrote it', () => {
    const tree = treeWithPaths(50, pathBytesMaxCeiling);
    const loaded = loadSnapshot(records(tree));
    assert.equal(loaded.nodeCount, tree.nodeCount);
  });

  it('loads a few overlong paths from older data, and refuses many clearly', () => {
    const few = loadSnapshot(records(treeWithPaths(overlongPathsMax, 20_000)));
    assert.equal(few.overlongPaths, overlongPathsMax);
    const started = performance.now();
    assert.throws(
      () => loadSnapshot(records(treeWithPaths(overlongPathsMax + 1, 20_000))),
      (e: unknown) =>
        e instanceof OverlongPathsError && /longer than 16383 characters/.test(e.message),
    );
    assert.ok(performance.now() - started < 1000);
  });

  it('refuses to apply a create past the overlong budget before changing anything', () => {
    const tree = loadSnapshot(records(treeWithPaths(overlongPathsMax, 20_000)));
    const digest = tree.digest;
    const node = newNode(null, acl, 2, 2, NodeKind.persistent, 0n, 0);
    assert.throws(() => tree.createNode('/' + 'y'.repeat(20_000), node, 2), OverlongPathsError);
    assert.equal(tree.digest, digest);
    const paths = Array.from(tree.entries(), ([path]) => path);
    tree.deleteNode(paths.find((p) => p.length > 16_383) as string, 3);
    assert.equal(tree.overlongPaths, overlongPathsMax - 1);
  });
});
