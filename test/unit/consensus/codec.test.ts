/**
 * Proves the consensus wire codec round-trips every message type (random messages from
 * fast-check, numbers up to 2^53 - 1), and that hostile input only ever throws
 * PeerDecodeError: every truncation of a valid encoding, trailing bytes, unknown type and
 * version bytes, lying counts, numbers past 2^53 and random bytes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMessage, encodeMessage, PeerDecodeError } from '../../../src/consensus/codec.js';
import type { Message } from '../../../src/consensus/messages.js';
import type { Entry } from '../../../src/consensus/types.js';
import { AssertionError } from '../../../src/util/assert.js';

/** Records with an ordinary prototype, so deepStrictEqual compares them with decoded ones. */
function record<T extends object>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
}

const id = fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 0xffffffff }));
const num = fc.oneof(
  fc.integer({ min: 0, max: 1000 }),
  fc.constantFrom(0, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER),
  fc.maxSafeNat(),
);
const data = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b));
const envelope = { from: id, to: id, term: num };

const entry: fc.Arbitrary<Entry> = record({
  term: num,
  index: num,
  kind: fc.constantFrom('normal' as const, 'config' as const),
  data,
});

const message: fc.Arbitrary<Message> = fc.oneof(
  record({
    ...envelope,
    type: fc.constantFrom('vote' as const, 'preVote' as const),
    lastIndex: num,
    lastTerm: num,
    transfer: fc.boolean(),
  }),
  record({
    ...envelope,
    type: fc.constantFrom('voteResponse' as const, 'preVoteResponse' as const),
    reject: fc.boolean(),
  }),
  record({
    ...envelope,
    type: fc.constant('append' as const),
    prevIndex: num,
    prevTerm: num,
    entries: fc.array(entry, { maxLength: 5 }),
    commit: num,
  }),
  record({
    ...envelope,
    type: fc.constant('appendResponse' as const),
    index: num,
    reject: fc.boolean(),
    rejectHint: num,
    hintTerm: num,
  }),
  record({ ...envelope, type: fc.constant('heartbeat' as const), commit: num }),
  record({ ...envelope, type: fc.constant('heartbeatResponse' as const) }),
  record({
    ...envelope,
    type: fc.constant('snapshot' as const),
    snapshot: record({
      meta: record({
        index: num,
        term: num,
        membership: record({
          voters: fc.array(id, { maxLength: 7 }),
          learners: fc.array(id, { maxLength: 3 }),
        }),
      }),
      data,
    }),
  }),
  record({ ...envelope, type: fc.constant('timeoutNow' as const) }),
);

function decodeFails(bytes: Buffer): void {
  assert.throws(() => decodeMessage(bytes), PeerDecodeError);
}

void describe('consensus codec: round trip', () => {
  test('every message type survives encode then decode', () => {
    fc.assert(
      fc.property(message, (m) => {
        assert.deepStrictEqual(decodeMessage(encodeMessage(m)), m);
      }),
      { numRuns: 2000 },
    );
  });

  test('all ten type names are covered', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(message, (m) => {
        seen.add(m.type);
      }),
      { numRuns: 500 },
    );
    assert.equal(seen.size, 10);
  });

  test('headroom leaves zeroed bytes in front of the same encoding', () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 0, max: 9 }), (m, headroom) => {
        const plain = encodeMessage(m);
        const roomy = encodeMessage(m, headroom);
        assert.ok(roomy.subarray(0, headroom).equals(Buffer.alloc(headroom)));
        assert.ok(roomy.subarray(headroom).equals(plain));
      }),
      { numRuns: 200 },
    );
  });

  test('entry data is a copy, not a view of the input', () => {
    const append: Message = {
      type: 'append',
      from: 1,
      to: 2,
      term: 3,
      prevIndex: 4,
      prevTerm: 3,
      commit: 4,
      entries: [{ term: 3, index: 5, kind: 'normal', data: Buffer.from('abc') }],
    };
    const bytes = encodeMessage(append);
    const decoded = decodeMessage(bytes);
    bytes.fill(0);
    assert.ok(decoded.type === 'append');
    assert.equal(decoded.entries[0]?.data.toString(), 'abc');
  });

  test('the encoder refuses numbers it cannot carry', () => {
    const base = { type: 'heartbeat' as const, from: 1, to: 2, term: 1, commit: 0 };
    for (const bad of [-1, 1.5, 2 ** 53, Number.NaN]) {
      assert.throws(() => encodeMessage({ ...base, commit: bad }), AssertionError);
    }
    assert.throws(() => encodeMessage({ ...base, from: 2 ** 32 }), AssertionError);
  });
});

void describe('consensus codec: hostile input', () => {
  test('every truncation of a valid encoding throws PeerDecodeError', () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = encodeMessage(m);
        for (let i = 0; i < bytes.length; i++) decodeFails(bytes.subarray(0, i));
      }),
      { numRuns: 300 },
    );
  });

  test('trailing bytes throw PeerDecodeError', () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 1, max: 8 }), (m, extra) => {
        decodeFails(Buffer.concat([encodeMessage(m), Buffer.alloc(extra)]));
      }),
    );
  });

  test('unknown version, type, kind and flag bytes throw PeerDecodeError', () => {
    const vote = encodeMessage({
      type: 'vote',
      from: 1,
      to: 2,
      term: 3,
      lastIndex: 4,
      lastTerm: 5,
      transfer: false,
    });
    decodeFails(Buffer.concat([Buffer.from([2]), vote.subarray(1)]));
    decodeFails(Buffer.concat([vote.subarray(0, 1), Buffer.from([10]), vote.subarray(2)]));
    const badFlag = Buffer.from(vote);
    badFlag[badFlag.length - 1] = 2;
    decodeFails(badFlag);
    const append = encodeMessage({
      type: 'append',
      from: 1,
      to: 2,
      term: 3,
      prevIndex: 0,
      prevTerm: 0,
      commit: 0,
      entries: [{ term: 1, index: 1, kind: 'config', data: Buffer.alloc(0) }],
    });
    const kindOffset = 18 + 24 + 4 + 16;
    assert.equal(append[kindOffset], 1);
    const badKind = Buffer.from(append);
    badKind[kindOffset] = 7;
    decodeFails(badKind);
  });

  test('counts and lengths larger than the input throw without allocating', () => {
    const append = encodeMessage({
      type: 'append',
      from: 1,
      to: 2,
      term: 3,
      prevIndex: 0,
      prevTerm: 0,
      commit: 0,
      entries: [],
    });
    const hugeCount = Buffer.from(append);
    hugeCount.writeUInt32BE(0xffffffff, hugeCount.length - 4);
    decodeFails(hugeCount);
    const snapshot = encodeMessage({
      type: 'snapshot',
      from: 1,
      to: 2,
      term: 3,
      snapshot: {
        meta: { index: 1, term: 1, membership: { voters: [], learners: [] } },
        data: Buffer.from('xy'),
      },
    });
    const hugeVoters = Buffer.from(snapshot);
    hugeVoters.writeUInt32BE(0x40000000, 18 + 16);
    decodeFails(hugeVoters);
    const longData = Buffer.from(snapshot);
    longData.writeUInt32BE(3, longData.length - 6);
    decodeFails(longData);
  });

  test('numbers past 2^53 throw PeerDecodeError', () => {
    const heartbeat = encodeMessage({ type: 'heartbeat', from: 1, to: 2, term: 3, commit: 0 });
    const big = Buffer.from(heartbeat);
    big.writeUInt32BE(0x200000, big.length - 8);
    decodeFails(big);
    const max = Buffer.from(heartbeat);
    max.writeUInt32BE(0x1fffff, max.length - 8);
    max.writeUInt32BE(0xffffffff, max.length - 4);
    const decoded = decodeMessage(max);
    assert.ok(decoded.type === 'heartbeat');
    assert.equal(decoded.commit, Number.MAX_SAFE_INTEGER);
  });

  test('a membership over the cap throws PeerDecodeError', () => {
    const voters = Array.from({ length: 300 }, (_, i) => i + 1);
    const bytes = encodeMessage({
      type: 'snapshot',
      from: 1,
      to: 2,
      term: 3,
      snapshot: {
        meta: { index: 1, term: 1, membership: { voters, learners: [] } },
        data: Buffer.alloc(0),
      },
    });
    decodeFails(bytes);
  });

  test('random bytes never throw anything but PeerDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (raw) => {
        try {
          decodeMessage(Buffer.from(raw));
        } catch (err) {
          assert.ok(err instanceof PeerDecodeError, String(err));
        }
      }),
      { numRuns: 5000 },
    );
  });

  test('mutated valid encodings never throw anything but PeerDecodeError', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 0, max: 255 }), (m, at, byte) => {
        const bytes = Buffer.from(encodeMessage(m));
        bytes[at % bytes.length] = byte;
        try {
          decodeMessage(bytes);
        } catch (err) {
          assert.ok(err instanceof PeerDecodeError, String(err));
        }
      }),
      { numRuns: 3000 },
    );
  });
});
