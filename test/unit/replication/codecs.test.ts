/**
 * The replication codecs: every entry payload and every write input round-trips (fast-check);
 * the leader's empty entry decodes to null; and hostile bytes (random, truncated, extended,
 * mutated, unknown version/kind/tag, lying counts, non-write opcodes) throw DecodeError and
 * nothing else.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '../../../src/protocol/jute-reader.js';
import { JuteWriter } from '../../../src/protocol/jute-writer.js';
import { decodeEntry, encodeEntry, noCheck } from '../../../src/replication/entry-codec.js';
import {
  encodeWriteInput,
  writeInputFromBuffer,
  type WriteInput,
} from '../../../src/replication/write-input.js';
import { entryPayload, txn, writeInput, writeInputByType } from './arbitraries.js';

function inputBytes(input: WriteInput): Buffer {
  const w = new JuteWriter(64);
  encodeWriteInput(w, input);
  return w.toBuffer();
}

/** Runs `decode`; anything thrown must be a DecodeError. */
function decodesOrRefuses(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    assert.ok(error instanceof DecodeError, `threw ${String(error)}`);
  }
}

const bytes = fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b));

describe('entry codec', () => {
  it('round-trips txn and barrier payloads', () => {
    fc.assert(
      fc.property(entryPayload, (payload) => {
        assert.deepEqual(decodeEntry(encodeEntry(payload)), payload);
      }),
      { numRuns: 500 },
    );
  });

  it('reuses a writer without leaking earlier payloads', () => {
    const writer = new JuteWriter(8);
    fc.assert(
      fc.property(entryPayload, entryPayload, (a, b) => {
        const first = Buffer.from(encodeEntry(a, writer));
        const second = encodeEntry(b, writer);
        assert.deepEqual(decodeEntry(first), a);
        assert.deepEqual(decodeEntry(second), b);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps 53-bit request ids and negative origins exact', () => {
    for (const requestId of [0, 1, 2 ** 31, 2 ** 53 - 1]) {
      const payload = { kind: 'barrier' as const, origin: -1, requestId, check: noCheck };
      assert.deepEqual(decodeEntry(encodeEntry(payload)), payload);
    }
  });

  it('reads the entries Warren 0.1.0 wrote (format 1, no digest check)', () => {
    // version 1, barrier, origin 3, request id 9: what 0.1.0's encoder produced.
    const v1 = Buffer.from('010200000003' + '0000000000000009', 'hex');
    assert.deepEqual(decodeEntry(v1), {
      kind: 'barrier',
      origin: 3,
      requestId: 9,
      check: noCheck,
    });
  });

  it('decodes the empty entry to null', () => {
    assert.equal(decodeEntry(Buffer.alloc(0)), null);
  });

  it('refuses every truncation, unknown versions and kinds, and stray bytes after a txn', () => {
    fc.assert(
      fc.property(entryPayload, (payload) => {
        const encoded = encodeEntry(payload);
        for (let cut = 1; cut < encoded.length; cut++) {
          assert.throws(() => decodeEntry(encoded.subarray(0, cut)), DecodeError);
        }
        const version = Buffer.from(encoded);
        version[0] = 3;
        assert.throws(() => decodeEntry(version), DecodeError);
        const kind = Buffer.from(encoded);
        kind[1] = 3;
        assert.throws(() => decodeEntry(kind), DecodeError);
        if (payload.kind === 'txn') {
          assert.throws(() => decodeEntry(Buffer.concat([encoded, Buffer.of(0)])), DecodeError);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('refuses stray bytes after a barrier too (a txn whose kind byte flipped is damage)', () => {
    const txnEntry = encodeEntry({
      kind: 'txn',
      origin: 1,
      requestId: 2,
      check: noCheck,
      txn: { zxid: 5, time: 6, sessionId: 7n, body: { type: 'closeSession', sessionId: 7n } },
    });
    const flipped = Buffer.from(txnEntry);
    flipped[1] = 2;
    assert.throws(() => decodeEntry(flipped), DecodeError);
    const barrier = encodeEntry({ kind: 'barrier', origin: 1, requestId: 2, check: noCheck });
    assert.throws(() => decodeEntry(Buffer.concat([barrier, Buffer.of(0)])), DecodeError);
  });

  it('throws only DecodeError on random and mutated bytes', () => {
    fc.assert(
      fc.property(bytes, (data) => decodesOrRefuses(() => decodeEntry(data))),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        entryPayload,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (payload, flips) => {
          const data = Buffer.from(encodeEntry(payload));
          for (const [at, value] of flips) data[at % data.length] = value;
          decodesOrRefuses(() => decodeEntry(data));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a txn payload carries the txn codec: a txn with a huge vector count is refused', () => {
    fc.assert(
      fc.property(txn, (t) => {
        const data = encodeEntry({ kind: 'txn', origin: 1, requestId: 1, check: noCheck, txn: t });
        // Header (30) + txn version, zxid, time, session (25) + body type: then the count.
        if (t.body.type !== 'ops' && t.body.type !== 'multiError') return;
        const lying = Buffer.from(data);
        lying.writeInt32BE(0x7fffffff, 30 + 25 + 1);
        assert.throws(() => decodeEntry(lying), DecodeError);
      }),
      { numRuns: 200 },
    );
  });
});

describe('write input codec', () => {
  for (const [type, arbitrary] of Object.entries(writeInputByType)) {
    it(`round-trips ${type}`, () => {
      fc.assert(
        fc.property(arbitrary, (input) => {
          assert.deepEqual(writeInputFromBuffer(inputBytes(input)), input);
        }),
        { numRuns: type === 'barrier' ? 1 : 300 },
      );
    });
  }

  it('refuses every truncation and any trailing byte', () => {
    fc.assert(
      fc.property(writeInput, (input) => {
        const encoded = inputBytes(input);
        for (let cut = 0; cut < encoded.length; cut++) {
          assert.throws(() => writeInputFromBuffer(encoded.subarray(0, cut)), DecodeError);
        }
        const longer = Buffer.concat([encoded, Buffer.of(1)]);
        assert.throws(() => writeInputFromBuffer(longer), DecodeError);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses unknown tags, read opcodes, lying id counts and a null password', () => {
    for (const tag of [0, 7, 127, -1]) {
      assert.throws(() => writeInputFromBuffer(Buffer.of(tag & 0xff)), DecodeError);
    }
    const w = new JuteWriter(64);
    // A request tag, session, no ids, then getData's opcode (4) and its body.
    w.writeByte(1).writeBigLong(1n).writeInt(0).writeInt(4).writeString('/a').writeBool(false);
    assert.throws(() => writeInputFromBuffer(w.toBuffer()), /not a write/);
    for (const count of [-1, 0x7fffffff]) {
      w.reset();
      w.writeByte(1).writeBigLong(1n).writeInt(count);
      assert.throws(() => writeInputFromBuffer(w.toBuffer()), DecodeError);
    }
    w.reset();
    w.writeByte(2).writeBigLong(1n).writeInt(1000).writeBuffer(null);
    assert.throws(() => writeInputFromBuffer(w.toBuffer()), /without a password/);
  });

  it('throws only DecodeError on random and mutated bytes', () => {
    fc.assert(
      fc.property(bytes, (data) => decodesOrRefuses(() => writeInputFromBuffer(data))),
      { numRuns: 2000 },
    );
    // Random bytes after each valid tag reach deeper into the decoders.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), bytes, (tag, data) =>
        decodesOrRefuses(() => writeInputFromBuffer(Buffer.concat([Buffer.of(tag), data]))),
      ),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(
        writeInput,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (input, flips) => {
          const data = Buffer.from(inputBytes(input));
          for (const [at, value] of flips) data[at % data.length] = value;
          decodesOrRefuses(() => writeInputFromBuffer(data));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
