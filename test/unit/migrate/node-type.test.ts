/**
 * The ephemeralOwner decoding of ZooKeeper 3.9's EphemeralType (extended types on): the
 * container owner, TTL owners (0xFF top byte, feature 0, 40-bit value) and sessions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ownerOfType,
  sameType,
  TTL_MS_MAX,
  typeFromOwner,
  type NodeType,
} from '../../../src/migrate/node-type.js';

describe('typeFromOwner', () => {
  it('reads ZooKeeper encodings', () => {
    assert.deepEqual(typeFromOwner(0n), { kind: 'persistent' });
    assert.deepEqual(typeFromOwner(-(2n ** 63n)), { kind: 'container' });
    assert.deepEqual(typeFromOwner(0x8000000000000000n), { kind: 'container' }, 'unsigned');
    // EphemeralType's own example: a TTL of 1 ms.
    assert.deepEqual(typeFromOwner(0xff00000000000001n), { kind: 'ttl', ttlMs: 1 });
    assert.deepEqual(typeFromOwner(BigInt.asIntN(64, 0xff000000000003e8n)), {
      kind: 'ttl',
      ttlMs: 1000,
    });
    assert.deepEqual(typeFromOwner(0xff0000ffffffffffn), {
      kind: 'ttl',
      ttlMs: TTL_MS_MAX,
    });
  });

  it('reads sessions, and owners ZooKeeper defines no type for, as ephemerals', () => {
    const session = 0x100018621160001n;
    assert.deepEqual(typeFromOwner(session), { kind: 'ephemeral', owner: session });
    // Feature bits other than TTL's 0, or a TTL of 0, are no TTL node.
    const feature1 = BigInt.asIntN(64, 0xff00010000000005n);
    assert.equal(typeFromOwner(feature1).kind, 'ephemeral');
    assert.equal(typeFromOwner(0xff00000000000000n).kind, 'ephemeral');
  });

  it('inverts ownerOfType for every TTL and session', () => {
    const ttl = fc.integer({ min: 1, max: TTL_MS_MAX }).map(
      (ttlMs): NodeType => ({
        kind: 'ttl',
        ttlMs,
      }),
    );
    const session = fc
      .bigInt({ min: 1n, max: 0xfe_ffffffffffffffn })
      .map((owner): NodeType => ({ kind: 'ephemeral', owner }));
    const fixed = fc.constantFrom<NodeType>({ kind: 'persistent' }, { kind: 'container' });
    fc.assert(
      fc.property(fc.oneof(ttl, session, fixed), (type) => {
        assert.ok(sameType(typeFromOwner(ownerOfType(type)), type));
      }),
    );
  });
});
