/**
 * Snapshot format 3's compact node encoding: any sequence of nodes, with any field values a
 * tree can hold (zxids past 2^32 after an import, negative aversion, ephemeral owners with
 * the top bit set, TTLs, null and binary data, paths with surrogate pairs that share a
 * prefix with the previous path), decodes to exactly what was encoded, across records.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '../../../src/protocol/jute-reader.js';
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE } from '../../../src/tree/acl.js';
import { internACL } from '../../../src/tree/acl-cache.js';
import type { NodeFields, NodeKind } from '../../../src/tree/node.js';
import { NodeDecoder, NodeEncoder } from '../../../src/tree/snapshot-node-codec.js';

const acls = [
  OPEN_ACL_UNSAFE,
  READ_ACL_UNSAFE,
  internACL([{ perms: 31, id: { scheme: 'digest', id: 'bob:x/ZxC9==' } }]),
  internACL([
    { perms: 1, id: { scheme: 'ip', id: '10.0.0.0/8' } },
    { perms: 16, id: { scheme: 'sasl', id: 'zoë' } },
  ]),
];

const name = fc.oneof(
  fc.constantFrom('a', 'ab', 'n000000001', 'n000000002', 'ñ', '😀', '😁x', 'é😀'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).filter((s) => !s.includes('/')),
);
const path = fc.array(name, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`);
const zxid = fc.oneof(
  fc.integer({ min: 0, max: 1000 }),
  fc.constant(0x1_0000_0005),
  fc.maxSafeNat(),
);
const time = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
);
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

const node: fc.Arbitrary<[string, NodeFields]> = fc.tuple(
  path,
  fc.record(
    {
      data: fc.option(
        fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('latin1')),
      ),
      acl: fc.constantFrom(...acls),
      czxid: zxid,
      mzxid: zxid,
      pzxid: zxid,
      ctime: time,
      mtime: time,
      version: int32,
      aversion: int32,
      creations: int32,
      kind: fc.constantFrom(0, 1, 2, 3).map((k) => k as NodeKind),
      ephemeralOwner: fc.oneof(
        fc.constant(0n),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      ),
      ttlMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 40 })),
    },
    { noNullPrototype: true },
  ),
);

/** Encodes the nodes in records of at most `perRecord`, as the snapshot writer does. */
function encode(nodes: [string, NodeFields][], perRecord: number): Buffer[] {
  const encoder = new NodeEncoder(64);
  const records: Buffer[] = [];
  for (let i = 0; i < nodes.length; i += perRecord) {
    for (const [p, n] of nodes.slice(i, i + perRecord)) encoder.node(p, n);
    records.push(Buffer.from(encoder.view()));
    encoder.reset();
  }
  return records;
}

describe('snapshot node codec (format 3)', () => {
  it('decodes exactly what it encoded, across records', () => {
    fc.assert(
      fc.property(
        fc.array(node, { maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        (nodes, per) => {
          const decoder = new NodeDecoder();
          const decoded: [string, NodeFields][] = [];
          const records = encode(nodes, per);
          for (const [r, record] of records.entries()) {
            decoder.begin(record, 0);
            const count = Math.min(per, nodes.length - r * per);
            for (let i = 0; i < count; i++) decoded.push(decoder.node());
            assert.equal(decoder.remaining, 0);
          }
          assert.deepEqual(decoded, nodes);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is a few bytes per node besides its data for the common node', () => {
    const nodes: [string, NodeFields][] = [];
    for (let i = 0; i < 1000; i++) {
      const fields: NodeFields = {
        data: 'x'.repeat(100),
        acl: OPEN_ACL_UNSAFE,
        czxid: 5000 + i,
        mzxid: 5000 + i,
        pzxid: 5000 + i,
        ctime: 1_700_000_000_000 + i,
        mtime: 1_700_000_000_000 + i,
        version: 0,
        aversion: 0,
        creations: 0,
        kind: 0,
        ephemeralOwner: 0n,
        ttlMs: 0,
      };
      nodes.push([`/app/nodes/n${String(i).padStart(10, '0')}`, fields]);
    }
    const bytes = encode(nodes, 1000)[0]?.length ?? 0;
    assert.ok(bytes / 1000 < 100 + 16, `${bytes / 1000} bytes per node`);
  });

  it('refuses a truncated record and an ACL number it was never told', () => {
    const [record] = encode([['/a', { ...sample(), data: 'hello' }]], 1);
    const decoder = new NodeDecoder();
    decoder.begin((record as Buffer).subarray(0, (record as Buffer).length - 2), 0);
    assert.throws(() => decoder.node(), DecodeError);
    const bad = Buffer.from(record as Buffer);
    bad[5] = 9; // flags, prefix 0, suffix length 2, '/a', then the ACL number: 0 expected
    const fresh = new NodeDecoder();
    fresh.begin(bad, 0);
    assert.throws(() => fresh.node(), /ACL 9 unknown/);
  });
});

function sample(): NodeFields {
  return {
    data: null,
    acl: OPEN_ACL_UNSAFE,
    czxid: 1,
    mzxid: 1,
    pzxid: 1,
    ctime: 1,
    mtime: 1,
    version: 0,
    aversion: 0,
    creations: 0,
    kind: 0,
    ephemeralOwner: 0n,
    ttlMs: 0,
  };
}
