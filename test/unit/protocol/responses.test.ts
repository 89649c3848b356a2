/**
 * Proves that decodeResponse inverts writeResponse for every response kind under the opcode
 * that produces it (fast-check per kind), including multi/multiRead result lists with error
 * items; that decoding consumes the body exactly; that every proper prefix of a non-empty
 * body throws DecodeError; and pins the byte layout of the small fixed bodies (addWatch's
 * 4-byte ErrorResponse, the multi done header, an error item that carries its code twice).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, JuteReader } from '../../../src/protocol/jute-reader.js';
import { JuteWriter } from '../../../src/protocol/jute-writer.js';
import { decodeResponse, writeResponse, type Response } from '../../../src/protocol/responses.js';
import { multiResponse, responseKinds } from './arbitraries.js';

function encode(res: Response): Buffer {
  const w = new JuteWriter(16);
  writeResponse(w, res);
  return w.toBuffer();
}

/** Each response kind and the opcodes whose success reply has that shape. */
const CASES: [keyof typeof responseKinds | 'multi', number[]][] = [
  ['empty', [2, 9999, 17, 18, 100, 101, 105, 11, -11, 13]],
  ['path', [1, 9]],
  ['pathStat', [15, 19, 21]],
  ['stat', [3, 5, 7]],
  ['data', [4, 16]],
  ['acl', [6]],
  ['children', [8]],
  ['children2', [12]],
  ['count', [104]],
  ['paths', [103]],
  ['whoAmI', [107]],
  ['errorBody', [106]],
  ['multi', [14, 22]],
];

function arbitraryFor(kind: keyof typeof responseKinds | 'multi'): fc.Arbitrary<Response> {
  return kind === 'multi' ? multiResponse : responseKinds[kind];
}

void describe('response round trips', () => {
  for (const [kind, ops] of CASES) {
    for (const op of ops) {
      void test(`${kind} under opcode ${op}`, () => {
        fc.assert(
          fc.property(arbitraryFor(kind), (res) => {
            const r = new JuteReader(encode(res));
            assert.deepStrictEqual(decodeResponse(op, r), res);
            assert.equal(r.remaining, 0);
          }),
          { numRuns: 200 },
        );
      });
    }
  }
});

void describe('truncated response bodies', () => {
  for (const [kind, ops] of CASES) {
    const op = ops[0] ?? 0;
    void test(`every proper prefix of a ${kind} body throws DecodeError`, () => {
      fc.assert(
        fc.property(arbitraryFor(kind), (res) => {
          const body = encode(res);
          for (let cut = 0; cut < body.length; cut++) {
            const r = new JuteReader(body.subarray(0, cut));
            assert.throws(() => decodeResponse(op, r), DecodeError, `cut ${cut}/${body.length}`);
          }
        }),
        { numRuns: 100 },
      );
    });
  }
});

void describe('fixed response layouts', () => {
  void test('addWatch success is a 4-byte ErrorResponse(0)', () => {
    assert.deepStrictEqual(encode({ kind: 'errorBody', err: 0 }), Buffer.from([0, 0, 0, 0]));
  });

  void test('an empty multi result is just the 9-byte done header', () => {
    const body = encode({ kind: 'multi', results: [] });
    assert.deepStrictEqual(body, Buffer.from('ffffffff01ffffffff', 'hex'));
  });

  void test('a multi error item carries its code in the header and in the body', () => {
    const body = encode({
      kind: 'multi',
      results: [{ type: -1, err: -101, response: { kind: 'errorBody', err: -101 } }],
    });
    const expected = 'ffffffff' + '00' + 'ffffff9b' + 'ffffff9b' + 'ffffffff01ffffffff';
    assert.equal(body.toString('hex'), expected);
  });

  void test('null data is written as length -1 and stays null; empty stays empty', () => {
    const stat = {
      czxid: 1,
      mzxid: 1,
      ctime: 0,
      mtime: 0,
      version: 0,
      cversion: 0,
      aversion: 0,
      ephemeralOwner: 0n,
      dataLength: 0,
      numChildren: 0,
      pzxid: 1,
    };
    const nullBody = encode({ kind: 'data', data: null, stat });
    assert.equal(nullBody.readInt32BE(0), -1);
    assert.equal(nullBody.length, 4 + 68);
    const nullBack = decodeResponse(4, new JuteReader(nullBody));
    assert.equal(nullBack.kind === 'data' && nullBack.data, null);
    const emptyBody = encode({ kind: 'data', data: Buffer.alloc(0), stat });
    assert.equal(emptyBody.readInt32BE(0), 0);
    const emptyBack = decodeResponse(4, new JuteReader(emptyBody));
    assert.deepStrictEqual(emptyBack.kind === 'data' && emptyBack.data, Buffer.alloc(0));
  });

  void test('storedData (the server-side latin1 form) is written exactly like data', () => {
    fc.assert(
      fc.property(responseKinds.data, (res) => {
        const text = res.data === null ? null : res.data.toString('latin1');
        const stored = encode({ kind: 'storedData', data: text, stat: res.stat });
        assert.deepStrictEqual(stored, encode(res));
        assert.deepStrictEqual(decodeResponse(4, new JuteReader(stored)), res);
      }),
    );
  });

  void test('a null children vector (-1) decodes as an empty list', () => {
    const r = new JuteReader(Buffer.from('ffffffff', 'hex'));
    assert.deepStrictEqual(decodeResponse(8, r), { kind: 'children', children: [] });
  });
});
