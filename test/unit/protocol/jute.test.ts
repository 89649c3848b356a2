/**
 * Proves the jute primitives: ints and longs round-trip big-endian (longs exactly for safe
 * integers as numbers, all 64 bits as bigints), booleans accept any non-zero byte, buffers keep
 * null (-1) apart from empty, strings are UTF-8 with -1 read as '' (or null on request), every
 * read is bounds-checked with DecodeError, and the writer's frame length patching and growth
 * work across resets; a bigint long outside 64 signed bits is refused.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, JuteReader } from '../../../src/protocol/jute-reader.js';
import { JuteWriter } from '../../../src/protocol/jute-writer.js';
import { bigLong, bufferOrNull, int32, long } from './arbitraries.js';

const reader = (hex: string): JuteReader => new JuteReader(Buffer.from(hex, 'hex'));

void describe('numbers', () => {
  void test('int and long round-trip big-endian', () => {
    fc.assert(
      fc.property(int32, long, bigLong, (i, l, b) => {
        const w = new JuteWriter(1).writeInt(i).writeLong(l).writeBigLong(b);
        const bytes = w.toBuffer();
        assert.equal(bytes.length, 20);
        assert.equal(bytes.readInt32BE(0), i);
        assert.equal(bytes.readBigInt64BE(4), BigInt(l));
        const r = new JuteReader(bytes);
        assert.deepStrictEqual([r.readInt(), r.readLong(), r.readBigLong()], [i, l, b]);
      }),
    );
  });

  void test('-1 as a long is eight 0xff bytes both ways', () => {
    assert.equal(new JuteWriter(8).writeLong(-1).toBuffer().toString('hex'), 'ff'.repeat(8));
    assert.equal(reader('ff'.repeat(8)).readLong(), -1);
    assert.equal(reader('ff'.repeat(8)).readBigLong(), -1n);
  });

  void test('a bigint long outside 64 signed bits is refused, not wrapped', () => {
    const edges = new JuteWriter(1).writeBigLong(-(2n ** 63n)).writeBigLong(2n ** 63n - 1n);
    assert.equal(edges.toBuffer().toString('hex'), '80' + '00'.repeat(7) + '7f' + 'ff'.repeat(7));
    assert.throws(() => new JuteWriter(8).writeBigLong(2n ** 63n), RangeError);
    assert.throws(() => new JuteWriter(8).writeBigLong(-(2n ** 63n) - 1n), RangeError);
  });

  void test('byte is signed; writeUInt writes unsigned', () => {
    assert.equal(reader('ff').readByte(), -1);
    assert.equal(new JuteWriter(4).writeByte(-2).toBuffer().toString('hex'), 'fe');
    assert.equal(new JuteWriter(4).writeUInt(0xfffffffe).toBuffer().toString('hex'), 'fffffffe');
  });

  void test('boolean: any non-zero byte is true, writes 0/1', () => {
    for (const [hex, value] of [
      ['00', false],
      ['01', true],
      ['02', true],
      ['ff', true],
    ] as const) {
      assert.equal(reader(hex).readBool(), value);
    }
    assert.equal(
      new JuteWriter(2).writeBool(true).writeBool(false).toBuffer().toString('hex'),
      '0100',
    );
  });
});

void describe('buffers and strings', () => {
  void test('buffers round-trip, null as length -1', () => {
    fc.assert(
      fc.property(bufferOrNull, (b) => {
        const bytes = new JuteWriter(1).writeBuffer(b).toBuffer();
        assert.equal(bytes.readInt32BE(0), b === null ? -1 : b.length);
        assert.deepStrictEqual(new JuteReader(bytes).readBuffer(), b);
      }),
    );
  });

  void test('binary strings (latin1, one char per byte) are buffers on the wire', () => {
    fc.assert(
      fc.property(bufferOrNull, (b) => {
        const text = b === null ? null : b.toString('latin1');
        const viaString = new JuteWriter(1).writeBinaryString(text).toBuffer();
        assert.deepStrictEqual(viaString, new JuteWriter(1).writeBuffer(b).toBuffer());
        assert.equal(new JuteReader(viaString).readBinaryString(), text);
      }),
    );
    assert.throws(() => reader('00000005616263').readBinaryString(), DecodeError);
  });

  void test('a decoded buffer is a copy that outlives the frame', () => {
    const frame = Buffer.from('0000000261620000', 'hex');
    const out = new JuteReader(frame).readBuffer();
    frame.fill(0);
    assert.deepStrictEqual(out, Buffer.from('ab'));
  });

  void test('strings round-trip as UTF-8 byte lengths', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (s) => {
        const bytes = new JuteWriter(1).writeString(s).toBuffer();
        assert.equal(bytes.readInt32BE(0), Buffer.byteLength(s, 'utf8'));
        const r = new JuteReader(bytes);
        assert.equal(r.readString(), s);
        assert.equal(r.remaining, 0);
      }),
    );
  });

  void test('a null string (-1) reads as "" or as null on request; writeString(null) is -1', () => {
    assert.equal(reader('ffffffff').readString(), '');
    assert.equal(reader('ffffffff').readStringOrNull(), null);
    assert.equal(reader('00000000').readStringOrNull(), '');
    assert.equal(new JuteWriter(4).writeString(null).toBuffer().toString('hex'), 'ffffffff');
  });

  void test('string vectors round-trip; a null vector reads as empty', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 8 }), { maxLength: 6 }), (v) => {
        const r = new JuteReader(new JuteWriter(1).writeStrings(v).toBuffer());
        assert.deepStrictEqual(r.readStrings(), v);
      }),
    );
    assert.deepStrictEqual(reader('ffffffff').readStrings(), []);
  });
});

void describe('bounds', () => {
  void test('every primitive read past the end throws DecodeError', () => {
    const reads: [string, number, (r: JuteReader) => unknown][] = [
      ['byte', 1, (r) => r.readByte()],
      ['bool', 1, (r) => r.readBool()],
      ['int', 4, (r) => r.readInt()],
      ['long', 8, (r) => r.readLong()],
      ['bigLong', 8, (r) => r.readBigLong()],
    ];
    for (const [name, size, read] of reads) {
      for (let n = 0; n < size; n++) {
        assert.throws(() => read(new JuteReader(Buffer.alloc(n))), DecodeError, `${name}/${n}`);
      }
    }
  });

  void test('lengths below -1 or beyond the remaining bytes throw DecodeError', () => {
    for (const hex of ['fffffffe', '80000000', '000000046162', '7fffffff']) {
      assert.throws(() => reader(hex).readBuffer(), DecodeError, hex);
      assert.throws(() => reader(hex).readString(), DecodeError, hex);
      assert.throws(() => reader(hex).readStrings(), DecodeError, hex);
    }
  });

  void test('a reader bounded by `end` does not see the bytes after it', () => {
    const r = new JuteReader(Buffer.from('000000010000000200000003', 'hex'), 4, 8);
    assert.equal(r.remaining, 4);
    assert.equal(r.readInt(), 2);
    assert.equal(r.position, 8);
    assert.throws(() => r.readInt(), DecodeError);
  });
});

void describe('writer', () => {
  void test('beginFrame/endFrame patch the length of what follows', () => {
    const w = new JuteWriter(2);
    const at = w.beginFrame();
    w.writeInt(7).writeString('/abc');
    w.endFrame(at);
    assert.equal(w.toBuffer().toString('hex'), '0000000c' + '00000007' + '00000004' + '2f616263');
  });

  void test('reset reuses the buffer and toBuffer returns an independent copy', () => {
    const w = new JuteWriter(4);
    const first = w.writeBuffer(Buffer.alloc(100, 1)).toBuffer();
    const second = w.reset().writeInt(5).toBuffer();
    assert.equal(first.length, 104);
    assert.equal(first[50], 1);
    assert.equal(second.toString('hex'), '00000005');
  });
});
