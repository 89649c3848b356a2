/**
 * Proves that decodeRequest inverts encodeRequest for every request type (fast-check over
 * each type separately, so a failure names the type), that decoding consumes the whole body,
 * that every proper prefix of a body throws DecodeError (never a RangeError, never a bogus
 * request), and that malformed multi bodies and bad lengths are rejected.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, JuteReader } from '../../../src/protocol/jute-reader.js';
import { JuteWriter } from '../../../src/protocol/jute-writer.js';
import {
  decodeClientRequest,
  decodeRequest,
  encodeRequest,
  type Request,
} from '../../../src/protocol/requests.js';
import { writeMultiHeader } from '../../../src/protocol/records.js';
import { anyRequest, opcodeOf, requestByKind } from './arbitraries.js';

const UNREADABLE = { type: 14, ops: [], unreadable: true };

function encode(req: Request): Buffer {
  const w = new JuteWriter(16);
  encodeRequest(w, req);
  return w.toBuffer();
}

function decode(opcode: number, body: Buffer): { req: Request; remaining: number } {
  const r = new JuteReader(body);
  const req = decodeRequest(opcode, r);
  return { req, remaining: r.remaining };
}

void describe('request round trips', () => {
  for (const [kind, arb] of Object.entries(requestByKind)) {
    void test(kind, () => {
      fc.assert(
        fc.property(arb, (req) => {
          const { req: back, remaining } = decode(opcodeOf(req), encode(req));
          assert.deepStrictEqual(back, req);
          assert.equal(remaining, 0);
        }),
        { numRuns: 300 },
      );
    });
  }

  void test('decoding reads from an offset inside a larger buffer and stops at its end', () => {
    fc.assert(
      fc.property(anyRequest, fc.uint8Array({ maxLength: 8 }), (req, junk) => {
        const body = encode(req);
        const framed = Buffer.concat([Buffer.from(junk), body, Buffer.from(junk)]);
        const r = new JuteReader(framed, junk.length, junk.length + body.length);
        assert.deepStrictEqual(decodeRequest(opcodeOf(req), r), req);
        assert.equal(r.remaining, 0);
      }),
    );
  });
});

void describe('truncated request bodies', () => {
  void test('every proper prefix of every request body throws DecodeError', () => {
    fc.assert(
      fc.property(anyRequest, (req) => {
        const body = encode(req);
        for (let cut = 0; cut < body.length; cut++) {
          assert.throws(
            () => decode(opcodeOf(req), body.subarray(0, cut)),
            DecodeError,
            `cut at ${cut} of ${body.length}`,
          );
        }
      }),
      { numRuns: 400 },
    );
  });

  void test('a frame body bounded by `end` cannot be read past it', () => {
    const body = encode({ type: 4, path: '/abc', watch: true });
    const r = new JuteReader(Buffer.concat([body, Buffer.from([1, 2, 3, 4])]), 0, body.length - 1);
    assert.throws(() => decodeRequest(4, r), DecodeError);
  });
});

void describe('malformed request bodies', () => {
  void test('a string length below -1 is a DecodeError', () => {
    const w = new JuteWriter(16).writeInt(-2).writeBool(false);
    assert.throws(() => decode(4, w.toBuffer()), DecodeError);
  });

  void test('a string length beyond the body is a DecodeError', () => {
    const w = new JuteWriter(16).writeInt(1000).writeRaw(Buffer.from('/a'));
    assert.throws(() => decode(3, w.toBuffer()), DecodeError);
  });

  void test('a null path (-1) reads as the empty string', () => {
    const w = new JuteWriter(16).writeInt(-1).writeBool(true);
    assert.deepStrictEqual(decode(3, w.toBuffer()).req, { type: 3, path: '', watch: true });
  });

  void test('a null ACL vector reads as null and a count below -1 is rejected', () => {
    const nullAcl = new JuteWriter(16).writeString('/a').writeInt(-1).writeInt(0);
    assert.deepStrictEqual(decode(7, nullAcl.toBuffer()).req, {
      type: 7,
      path: '/a',
      acl: null,
      version: 0,
    });
    const bad = new JuteWriter(16).writeString('/a').writeInt(-2).writeInt(0);
    assert.throws(() => decode(7, bad.toBuffer()), DecodeError);
  });

  void test('a vector count larger than the remaining bytes is rejected before allocating', () => {
    const w = new JuteWriter(16).writeLong(0).writeInt(0x7fffffff);
    assert.throws(() => decode(101, w.toBuffer()), DecodeError);
  });

  void test('a multi with read sub-ops or unknown sub-op types is unreadable', () => {
    for (const sub of [4, 8, 3, 7, 9, 14, 20, 0, 99]) {
      const w = new JuteWriter(16);
      writeMultiHeader(w, { type: sub, done: false, err: -1 });
      w.writeString('/a').writeBool(false).writeInt(0);
      writeMultiHeader(w, { type: -1, done: true, err: -1 });
      assert.deepStrictEqual(decode(14, w.toBuffer()).req, UNREADABLE, `sub-op ${sub}`);
    }
  });

  void test('multiRead: write sub-ops alone are refused; mixed or non-multi ops rejected', () => {
    const body = (sub: number, withRead: boolean): Buffer => {
      const w = new JuteWriter(16);
      writeMultiHeader(w, { type: sub, done: false, err: -1 });
      w.writeString('/a').writeInt(0);
      if (withRead) {
        writeMultiHeader(w, { type: 4, done: false, err: -1 });
        w.writeString('/b').writeBool(false);
      }
      writeMultiHeader(w, { type: -1, done: true, err: -1 });
      return w.toBuffer();
    };
    for (const sub of [2, 13]) {
      const refused = { type: 22, ops: [], refused: true };
      assert.deepStrictEqual(decode(22, body(sub, false)).req, refused, `sub-op ${sub}`);
      assert.throws(() => decode(22, body(sub, true)), DecodeError, `sub-op ${sub} and a read`);
    }
    for (const sub of [3, 12, 7, 0]) {
      assert.throws(() => decode(22, body(sub, false)), DecodeError, `sub-op ${sub}`);
    }
  });

  void test('an empty multi is legal: just the done header', () => {
    const w = new JuteWriter(16);
    writeMultiHeader(w, { type: -1, done: true, err: -1 });
    assert.deepStrictEqual(decode(14, w.toBuffer()).req, { type: 14, ops: [] });
    assert.equal(w.length, 9);
  });

  void test('a multi without its done header: DecodeError, unreadable from a client', () => {
    const w = new JuteWriter(16);
    writeMultiHeader(w, { type: 2, done: false, err: -1 });
    w.writeString('/a').writeInt(-1);
    assert.throws(() => decode(14, w.toBuffer()), DecodeError);
    const r = new JuteReader(w.toBuffer());
    assert.deepStrictEqual(decodeClientRequest(14, r), UNREADABLE, 'from a client');
  });

  void test('request-header err in multi sub-op headers is ignored', () => {
    const w = new JuteWriter(16);
    writeMultiHeader(w, { type: 2, done: false, err: 12345 });
    w.writeString('/a').writeInt(-1);
    writeMultiHeader(w, { type: 77, done: true, err: 0 });
    assert.deepStrictEqual(decode(14, w.toBuffer()).req, {
      type: 14,
      ops: [{ type: 2, path: '/a', version: -1 }],
    });
  });

  void test('createTTL carries a long after flags; create does not', () => {
    const ttl = encode({ type: 21, path: '/t', data: null, acl: [], flags: 5, ttl: 1000 });
    const plain = encode({ type: 1, path: '/t', data: null, acl: [], flags: 5, ttl: -1 });
    assert.equal(ttl.length, plain.length + 8);
    assert.equal(ttl.readInt32BE(ttl.length - 8), 0);
    assert.equal(ttl.readInt32BE(ttl.length - 4), 1000);
  });

  void test('opcodes without a decoder come back as unknown, with nothing read', () => {
    for (const op of [0, 10, 20, -10, -1, 23, 108, 9999]) {
      const { req, remaining } = decode(op, Buffer.from([1, 2, 3]));
      assert.deepStrictEqual(req, { type: 'unknown', opcode: op });
      assert.equal(remaining, 3);
    }
  });
});
