// The small codecs of warren import against known values: Adler-32 (zlib's), session
// passwords as java.util.Random derives them (values printed by OpenJDK 17), and the node
// types ZooKeeper encodes in ephemeralOwner.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Adler32, adler32 } from '../../../src/import/adler32.js';
import { nodeTypeOf, storedOwner } from '../../../src/import/zk-node-kind.js';
import { zooKeeperSessionPassword } from '../../../src/import/zk-session-password.js';
import { NodeKind } from '../../../src/tree/node.js';

describe('import codecs', () => {
  it('Adler-32 matches the reference values, in one go or in pieces', () => {
    assert.equal(adler32(Buffer.from('Wikipedia')), 0x11e60398);
    assert.equal(adler32(Buffer.alloc(0)), 1);
    const big = Buffer.alloc(100_000, 0xff);
    const pieces = new Adler32().update(big, 0, 7).update(big, 7, 60_000).update(big, 60_000);
    assert.equal(pieces.value, adler32(big));
  });

  it("derives ZooKeeper's session passwords", () => {
    const hex = (id: bigint) => zooKeeperSessionPassword(id).toString('hex');
    assert.equal(hex(0x100000a5b3c0001n), '19ad9e03bb7fd9bd4980a4933066532b');
    assert.equal(hex(BigInt.asIntN(64, 0xff00000000000001n)), '054cc74a37327db215e702e20c73f005');
  });

  it('maps ephemeralOwner to node types and back', () => {
    const cases: [bigint, NodeKind, number][] = [
      [0n, NodeKind.persistent, 0],
      [-(2n ** 63n), NodeKind.container, 0],
      [BigInt.asIntN(64, 0xff00000000000000n | 5000n), NodeKind.ttl, 5000],
      [0x100000abcdn, NodeKind.ephemeral, 0],
    ];
    for (const [owner, kind, ttlMs] of cases) {
      const type = nodeTypeOf(owner);
      assert.equal(type?.kind, kind);
      assert.equal(type?.ttlMs, ttlMs);
      assert.equal(storedOwner(kind, type?.ephemeralOwner ?? 0n, ttlMs), owner);
    }
    assert.equal(nodeTypeOf(BigInt.asIntN(64, 0xff01000000000000n)), null, 'unknown feature');
  });
});
