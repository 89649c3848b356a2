/**
 * Peer messages between ensemble members: every type round-trips (fast-check, Raft messages
 * included); hostile input (random, truncated, extended, mutated, unknown tags, lying counts)
 * throws DecodeError or the Raft codec's PeerDecodeError and nothing else; a touch relay
 * with more than touchSessionsMax ids is refused.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PeerDecodeError } from '../../../src/consensus/codec.js';
import type { Message } from '../../../src/consensus/messages.js';
import type { Entry } from '../../../src/consensus/types.js';
import { decodePeerMessage, encodePeerMessage } from '../../../src/member/peer-messages.js';
import type { PeerMessage } from '../../../src/member/peer-messages.js';
import { DecodeError } from '../../../src/protocol/jute-reader.js';
import { JuteWriter } from '../../../src/protocol/jute-writer.js';
import { touchSessionsMax } from '../../../src/util/limits.js';
import { bigLong, int32, long, rec, str } from '../protocol/arbitraries.js';
import { writeInput } from '../replication/arbitraries.js';

const nat = fc.maxSafeNat();
const nodeId = fc.integer({ min: 0, max: 255 });
const data = fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b));
const entry: fc.Arbitrary<Entry> = rec({
  term: nat,
  index: nat,
  kind: fc.constantFrom('normal' as const, 'config' as const),
  data,
});
const raftMessage: fc.Arbitrary<Message> = fc.oneof(
  rec({
    type: fc.constant('append' as const),
    from: nodeId,
    to: nodeId,
    term: nat,
    prevIndex: nat,
    prevTerm: nat,
    entries: fc.array(entry, { maxLength: 3 }),
    commit: nat,
  }),
  rec({
    type: fc.constant('heartbeat' as const),
    from: nodeId,
    to: nodeId,
    term: nat,
    commit: nat,
  }),
  rec({
    type: fc.constant('vote' as const),
    from: nodeId,
    to: nodeId,
    term: nat,
    lastIndex: nat,
    lastTerm: nat,
    transfer: fc.boolean(),
  }),
  rec({ type: fc.constant('timeoutNow' as const), from: nodeId, to: nodeId, term: nat }),
);

const ids = fc.array(rec({ scheme: str, id: str }), { maxLength: 3 });

const byType: Record<PeerMessage['type'], fc.Arbitrary<PeerMessage>> = {
  raft: rec({ type: fc.constant('raft' as const), message: raftMessage }),
  forward: rec({
    type: fc.constant('forward' as const),
    requestId: long,
    input: writeInput,
    term: long,
  }),
  refused: rec({ type: fc.constant('refused' as const), requestId: long, reason: str }),
  touch: rec({
    type: fc.constant('touch' as const),
    sessionIds: fc.array(bigLong, { maxLength: 20 }),
  }),
  reconfig: rec({
    type: fc.constant('reconfig' as const),
    requestId: int32,
    sessionId: bigLong,
    ids,
    request: rec({
      type: fc.constant(16 as const),
      joiningServers: str,
      leavingServers: str,
      newMembers: str,
      curConfigId: long,
    }),
  }),
  reconfigResult: rec({
    type: fc.constant('reconfigResult' as const),
    requestId: int32,
    err: int32,
  }),
  leadership: fc.constant({ type: 'leadership' as const }),
  attached: rec({
    type: fc.constant('attached' as const),
    sessionId: bigLong,
    attach: fc.integer({ min: 1, max: 2 ** 48 - 1 }),
    term: long,
  }),
  restorePart: rec({
    type: fc.constant('restorePart' as const),
    transferId: long,
    offset: long,
    total: long,
    bytes: data,
  }),
  restoreReply: rec({
    type: fc.constant('restoreReply' as const),
    transferId: long,
    received: long,
    outcome: fc.oneof(
      fc.constant(null),
      rec({
        ok: fc.constant(true as const),
        index: long,
        backupIndex: long,
        nodes: long,
        sessions: long,
      }),
      rec({ ok: fc.constant(false as const), status: int32, reason: str }),
    ),
  }),
};
const anyMessage = fc.oneof(...Object.values(byType));

function decodesOrRefuses(bytes: Buffer): void {
  try {
    decodePeerMessage(bytes);
  } catch (error) {
    assert.ok(
      error instanceof DecodeError || error instanceof PeerDecodeError,
      `threw ${String(error)}`,
    );
  }
}

function refuses(bytes: Buffer): void {
  assert.throws(
    () => decodePeerMessage(bytes),
    (error: unknown) => error instanceof DecodeError || error instanceof PeerDecodeError,
  );
}

describe('peer messages', () => {
  it("carries a forwarded write's connection token, and none for an internal write", () => {
    const input = {
      type: 'closeSession' as const,
      sessionId: 0x1234n,
      attach: 2 ** 48 - 7,
    };
    const forward: PeerMessage = { type: 'forward', requestId: 9, input, term: 3 };
    assert.deepEqual(decodePeerMessage(encodePeerMessage(forward)), forward);
    const internal: PeerMessage = {
      type: 'forward',
      requestId: 9,
      input: { type: 'barrier' },
      term: 3,
    };
    assert.deepEqual(decodePeerMessage(encodePeerMessage(internal)), internal);
  });

  for (const [type, arbitrary] of Object.entries(byType)) {
    it(`round-trips ${type}`, () => {
      fc.assert(
        fc.property(arbitrary, (message) => {
          const decoded = decodePeerMessage(encodePeerMessage(message));
          assert.deepEqual(decoded, message);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('carries a forwarded request id up to 2^53 - 1 exactly', () => {
    const message: PeerMessage = {
      type: 'forward',
      requestId: 2 ** 53 - 1,
      input: { type: 'barrier' },
      term: 2 ** 53 - 1,
    };
    assert.deepEqual(decodePeerMessage(encodePeerMessage(message)), message);
  });

  it('refuses the empty message, unknown tags, truncations and trailing bytes', () => {
    assert.throws(() => decodePeerMessage(Buffer.alloc(0)), DecodeError);
    for (const tag of [0, 7, 200, 255]) refuses(Buffer.of(tag, 0, 0, 0, 0));
    fc.assert(
      fc.property(anyMessage, (message) => {
        const encoded = encodePeerMessage(message);
        for (let cut = 0; cut < encoded.length; cut++) refuses(encoded.subarray(0, cut));
        refuses(Buffer.concat([encoded, Buffer.of(0)]));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a touch of more than touchSessionsMax ids, and a negative count', () => {
    const many = Array.from({ length: touchSessionsMax }, (_, i) => BigInt(i));
    const full: PeerMessage = { type: 'touch', sessionIds: many };
    assert.deepEqual(decodePeerMessage(encodePeerMessage(full)), full);
    const over = encodePeerMessage({ type: 'touch', sessionIds: [...many, 1n] });
    assert.throws(() => decodePeerMessage(over), /touch of 10001/);
    const w = new JuteWriter(16);
    w.writeByte(4).writeInt(-1);
    assert.throws(() => decodePeerMessage(w.toBuffer()), DecodeError);
    // A count the bytes cannot hold is refused before reading them.
    w.reset();
    w.writeByte(4).writeInt(touchSessionsMax);
    assert.throws(() => decodePeerMessage(w.toBuffer()), DecodeError);
  });

  it('refuses a reconfig whose id count lies', () => {
    for (const count of [-1, 0x7fffffff]) {
      const w = new JuteWriter(32);
      w.writeByte(5).writeInt(1).writeBigLong(1n).writeInt(count);
      assert.throws(() => decodePeerMessage(w.toBuffer()), /bad id count/);
    }
  });

  it('throws only DecodeError or PeerDecodeError on random and mutated bytes', () => {
    const bytes = fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }), bytes, (tag, rest) =>
        decodesOrRefuses(Buffer.concat([Buffer.of(tag), rest])),
      ),
      { numRuns: 4000 },
    );
    fc.assert(
      fc.property(
        anyMessage,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (message, flips) => {
          const encoded = Buffer.from(encodePeerMessage(message));
          for (const [at, value] of flips) encoded[at % encoded.length] = value;
          decodesOrRefuses(encoded);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
