/**
 * Multi bodies as ZooKeeper 3.9's MultiOperationRecord reads them, through decode, prepare
 * and apply: a body it cannot read (a read or unknown sub-op, a create mode a create sub-op
 * may not have; from a client also a cut record) is one error txn with MarshallingError that
 * takes a zxid, and stays unreadable when a follower forwards it (encode, then decode on the
 * leader); the create mode, not the opcode, decides what a create sub-op makes. The differential
 * scenarios (test/diff/scenarios-multi.test.ts) check the same against ZooKeeper itself.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Err } from '../../../src/protocol/error-codes.js';
import { DecodeError, JuteReader } from '../../../src/protocol/jute-reader.js';
import { JuteWriter } from '../../../src/protocol/jute-writer.js';
import {
  decodeClientRequest,
  decodeRequest,
  encodeRequest,
  type MultiRequest,
  type Request,
} from '../../../src/protocol/requests.js';
import { OPEN_ACL_UNSAFE } from '../../../src/tree/acl.js';
import { NodeKind } from '../../../src/tree/node.js';
import { TreeHarness } from './harness.js';

const acl = [...OPEN_ACL_UNSAFE];
const HOUR_MS = 3_600_000;

function bytesOf(req: unknown): Buffer {
  const w = new JuteWriter();
  encodeRequest(w, req as Request);
  return w.toBuffer();
}

/** What a server decodes from a client's multi, built from loose sub-ops. */
function decodeMulti(ops: unknown[]): MultiRequest {
  const req = decodeRequest(14, new JuteReader(bytesOf({ type: 14, ops })));
  assert.equal(req.type, 14);
  return req;
}

const create = (type: number, path: string, flags: number, ttl = -1) => ({
  type,
  path,
  data: null,
  acl,
  flags,
  ttl,
});

describe('multi bodies ZooKeeper cannot read', () => {
  const cases: [string, unknown[]][] = [
    ['a read sub-op among writes', [create(1, '/a', 0), { type: 4, path: '/', watch: false }]],
    ['read sub-ops only', [{ type: 8, path: '/', watch: true }]],
    ['a sub-op that is no multi op', [{ type: 3, path: '/', watch: false }]],
    ['a create with a TTL mode', [create(1, '/a', 0), create(15, '/t', 5)]],
    ['a createContainer with a TTL mode', [create(19, '/t', 6)]],
    ['a create with an unknown mode', [create(1, '/t', 7)]],
    ['a create2 with a negative mode', [create(15, '/t', -1)]],
  ];
  for (const [what, ops] of cases) {
    it(`${what}: one MarshallingError txn, nothing made, a zxid taken`, () => {
      const h = new TreeHarness();
      const req = decodeMulti(ops);
      assert.equal(req.unreadable, true);
      const { txn } = h.run(req);
      assert.deepEqual(txn.body, { type: 'error', err: Err.marshallingError });
      assert.equal(txn.zxid, 1);
      assert.equal(h.tree.get('/a'), undefined);
    });
  }

  it('a body cut short is unreadable from a client, and refused from a peer', () => {
    const whole = bytesOf({ type: 14, ops: [create(1, '/a', 0)] });
    for (const cut of [0, 3, 9, 20, whole.length - 1]) {
      const body = whole.subarray(0, cut);
      const req = decodeClientRequest(14, new JuteReader(body));
      assert.equal((req as MultiRequest).unreadable, true, `cut at ${cut}`);
      assert.throws(() => decodeRequest(14, new JuteReader(body)), DecodeError);
    }
  });

  it('stays unreadable when forwarded: encode, then decode, reads nothing after it', () => {
    const req = decodeMulti([{ type: 4, path: '/', watch: false }]);
    const r = new JuteReader(bytesOf(req));
    assert.deepEqual(decodeRequest(14, r), req);
    assert.equal(r.remaining, 0);
  });
});

describe('write sub-ops in a multiRead', () => {
  const read = (ops: unknown[]) => decodeRequest(22, new JuteReader(bytesOf({ type: 22, ops })));

  it('alone: refused (MarshallingError with an empty multi body), and round-trips', () => {
    const req = read([{ type: 13, path: '/', version: -1 }, create(21, '/t', 0, -1)]);
    assert.deepEqual(req, { type: 22, ops: [], refused: true });
    assert.deepEqual(decodeRequest(22, new JuteReader(bytesOf(req))), req);
  });

  it('mixed with reads, or one a multi refuses: a DecodeError (MarshallingError, no body)', () => {
    const getData = { type: 4, path: '/', watch: false };
    for (const ops of [
      [getData, create(1, '/a', 0)],
      [create(1, '/a', 0), getData],
    ]) {
      assert.throws(() => read(ops), DecodeError);
    }
    assert.throws(() => read([create(1, '/a', 5)]), DecodeError);
  });
});

describe('create sub-ops: the create mode decides', () => {
  it('a createTTL without a TTL mode is a plain create; with the container flag a container', () => {
    const h = new TreeHarness();
    const req = decodeMulti([
      create(21, '/p', 0, HOUR_MS),
      create(21, '/e', 1, 0),
      create(21, '/s-', 2, -5),
      create(21, '/c', 4, 2 ** 40),
      create(21, '/t', 5, HOUR_MS),
    ]);
    assert.deepEqual(
      req.ops.map((op) => [op.type, 'ttl' in op ? op.ttl : null]),
      [
        [1, -1],
        [1, -1],
        [1, -1],
        [19, -1],
        [21, HOUR_MS],
      ],
    );
    const { txn } = h.run(req);
    assert.equal(txn.body.type, 'ops');
    const kinds = ['/p', '/e', '/s-0000000002', '/c', '/t'].map((p) => h.tree.get(p)?.kind);
    const { persistent, ephemeral, container, ttl } = NodeKind;
    assert.deepEqual(kinds, [persistent, ephemeral, persistent, container, ttl]);
  });

  it('a createTTL with an unknown mode is left for prepare: BadArguments', () => {
    const h = new TreeHarness();
    const { txn } = h.run(decodeMulti([create(21, '/f', 7, HOUR_MS)]));
    assert.deepEqual(txn.body, { type: 'multiError', errs: [Err.badArguments] });
  });

  it('create and create2 with the container flag make containers (answered as type 15)', () => {
    const h = new TreeHarness();
    const req = decodeMulti([create(1, '/k1', 4), create(15, '/k2', 4)]);
    assert.deepEqual(
      req.ops.map((op) => op.type),
      [19, 19],
    );
    h.run(req);
    assert.equal(h.tree.get('/k1')?.kind, NodeKind.container);
    assert.equal(h.tree.get('/k2')?.kind, NodeKind.container);
  });

  it('leaves single creates alone: the opcode decides there', () => {
    const bytes = bytesOf(create(1, '/k', 4));
    const req = decodeRequest(1, new JuteReader(bytes));
    assert.equal(req.type, 1);
  });
});
