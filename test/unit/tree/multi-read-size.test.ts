/**
 * A multiRead counts its reply as it builds it and stops once it would be longer than the
 * connection may send (jute.maxbuffer): a reply that fits to the byte is answered, and many
 * getChildren of a wide parent stop after about jute.maxbuffer of names instead of copying
 * every list (1000 lists of 10k names here) only to be refused.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OpCode } from '../../../src/protocol/opcodes.js';
import { OPEN_ACL_UNSAFE } from '../../../src/tree/acl.js';
import { DataTree, newNode, type ZNode } from '../../../src/tree/data-tree.js';
import { NodeKind } from '../../../src/tree/node.js';
import { multiRead, type OversizedRead, type ReadResult } from '../../../src/tree/reads.js';
import { WatchManager } from '../../../src/tree/watch-manager.js';

const acl = [...OPEN_ACL_UNSAFE];
const childCount = 10_000;
/** Names of 6 characters: 4 + 6 bytes each on the wire. */
const listBytes = 4 + childCount * (4 + 6);

function wideTree(): { tree: DataTree; namesRead: () => number } {
  const tree = new DataTree();
  const add = (path: string, data: string | null, zxid: number) =>
    tree.createNode(path, newNode(data, acl, zxid, 0, NodeKind.persistent, 0n, 0), zxid);
  add('/w', null, 1);
  for (let i = 0; i < childCount; i++) add(`/w/c${String(i).padStart(5, '0')}`, null, 2 + i);
  add('/half', 'x'.repeat(512 * 1024), 20_000);
  // Counts the names every lookup of /w hands out.
  let read = 0;
  const get = tree.get.bind(tree);
  tree.get = (path: string): ZNode | undefined => {
    const node = get(path);
    if (node === undefined || path !== '/w') return node;
    const names = node.childNames.bind(node);
    node.childNames = function* () {
      for (const name of names()) {
        read++;
        yield name;
      }
    };
    return node;
  };
  return { tree, namesRead: () => read };
}

const ctx = {
  sessionId: 1n,
  ids: [{ scheme: 'world', id: 'anyone' }],
  watches: new WatchManager(1000, 1 << 20),
};
const lists = (n: number) => ({
  type: OpCode.multiRead,
  ops: Array.from(
    { length: n },
    () => ({ type: OpCode.getChildren, path: '/w', watch: false }) as const,
  ),
});

const oversized = (r: ReadResult | OversizedRead) => ('oversized' in r ? r.oversized : null);

describe('multiRead reply size', () => {
  it('answers a reply that fits to the byte, and stops one byte short of it', () => {
    const { tree } = wideTree();
    const exact = 16 + 9 + 9 + listBytes;
    const fits = multiRead(tree, lists(1), ctx, exact);
    assert.ok(!('oversized' in fits) && fits.response.kind === 'multi');
    assert.equal(fits.response.results.length, 1);
    assert.equal(oversized(multiRead(tree, lists(1), ctx, exact - 1)), exact);
  });

  it('stops copying names once the reply would be too long', () => {
    const { tree, namesRead } = wideTree();
    const limit = 1024 * 1024;
    assert.equal(oversized(multiRead(tree, lists(1000), ctx, limit)), limit + 1);
    // About a mebibyte of names (10 bytes each), not 1000 lists of 10k.
    assert.ok(namesRead() <= limit / 10 + childCount, `${namesRead()} names read`);
  });

  it('counts data and stats: two halves of a mebibyte do not fit in one', () => {
    const { tree } = wideTree();
    const half = { type: OpCode.getData, path: '/half', watch: false } as const;
    const req = { type: OpCode.multiRead, ops: [half, half] };
    const bytes = 16 + 9 + 2 * (9 + 4 + 512 * 1024 + 68);
    assert.equal(oversized(multiRead(tree, req, ctx, 1024 * 1024)), bytes);
    assert.equal(oversized(multiRead(tree, req, ctx, bytes)), null);
  });
});
