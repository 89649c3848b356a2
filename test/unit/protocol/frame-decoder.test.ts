/**
 * Proves the frame decoder returns exactly the frames of a byte stream however the stream is
 * cut: byte by byte, at every single split point, and at random chunkings (fast-check), with
 * empty frames and frames of the maximum size; that it keeps only the unfinished tail
 * buffered; and that negative and too-large lengths are rejected with FrameTooLargeError even
 * when the length prefix itself arrives split.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameDecoder, FrameTooLargeError } from '../../../src/protocol/frame-decoder.js';

const MAX = 64;

function frame(body: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(body.length);
  return Buffer.concat([prefix, body]);
}

function feed(decoder: FrameDecoder, chunks: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    for (const f of decoder.push(chunk)) out.push(Buffer.from(f));
  }
  return out;
}

function cutAt(stream: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(stream.subarray(from, p));
    from = p;
  }
  chunks.push(stream.subarray(from));
  return chunks;
}

const bodies = fc.array(
  fc.uint8Array({ maxLength: MAX }).map((b) => Buffer.from(b)),
  { maxLength: 8 },
);

void describe('frame splitting', () => {
  void test('byte by byte', () => {
    fc.assert(
      fc.property(bodies, (frames) => {
        const stream = Buffer.concat(frames.map(frame));
        const decoder = new FrameDecoder(MAX);
        const chunks = [...stream].map((b) => Buffer.from([b]));
        assert.deepStrictEqual(feed(decoder, chunks), frames);
        assert.equal(decoder.bufferedBytes, 0);
      }),
    );
  });

  void test('at every single split point', () => {
    fc.assert(
      fc.property(bodies, (frames) => {
        const stream = Buffer.concat(frames.map(frame));
        for (let i = 0; i <= stream.length; i++) {
          const decoder = new FrameDecoder(MAX);
          const got = feed(decoder, [stream.subarray(0, i), stream.subarray(i)]);
          assert.deepStrictEqual(got, frames, `split at ${i}`);
        }
      }),
      { numRuns: 50 },
    );
  });

  void test('random chunkings, including empty chunks', () => {
    fc.assert(
      fc.property(bodies, fc.array(fc.nat(), { maxLength: 20 }), (frames, cuts) => {
        const stream = Buffer.concat(frames.map(frame));
        const decoder = new FrameDecoder(MAX);
        const chunks = cutAt(stream, cuts);
        chunks.splice(1, 0, Buffer.alloc(0));
        assert.deepStrictEqual(feed(decoder, chunks), frames);
        assert.equal(decoder.bufferedBytes, 0);
      }),
      { numRuns: 500 },
    );
  });

  void test('only the unfinished tail stays buffered', () => {
    const decoder = new FrameDecoder(MAX);
    const stream = Buffer.concat([frame(Buffer.from('abc')), frame(Buffer.from('defgh'))]);
    assert.deepStrictEqual(feed(decoder, [stream.subarray(0, 10)]), [Buffer.from('abc')]);
    assert.equal(decoder.bufferedBytes, 3);
    assert.deepStrictEqual(feed(decoder, [stream.subarray(10)]), [Buffer.from('defgh')]);
    assert.equal(decoder.bufferedBytes, 0);
  });

  void test('a frame of exactly the maximum size is accepted', () => {
    const body = Buffer.alloc(MAX, 9);
    const decoder = new FrameDecoder(MAX);
    assert.deepStrictEqual(feed(decoder, [frame(body)]), [body]);
  });

  void test('returned frames stay valid after later pushes', () => {
    const decoder = new FrameDecoder(MAX);
    const first = decoder.push(frame(Buffer.from('keep')));
    decoder.push(frame(Buffer.from('next')).subarray(0, 6));
    decoder.push(frame(Buffer.from('next')).subarray(6));
    assert.deepStrictEqual(first, [Buffer.from('keep')]);
  });
});

void describe('bad lengths', () => {
  const bad = [MAX + 1, 0x7fffffff, -1, -2, -0x80000000];
  for (const length of bad) {
    void test(`length ${length} is rejected, whole or split`, () => {
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(length);
      const whole = new FrameDecoder(MAX);
      assert.deepStrictEqual(whole.push(prefix), []);
      assert.ok(whole.failure instanceof FrameTooLargeError);
      for (let i = 1; i < 4; i++) {
        const decoder = new FrameDecoder(MAX);
        assert.deepStrictEqual(decoder.push(prefix.subarray(0, i)), []);
        assert.equal(decoder.failure, null);
        assert.deepStrictEqual(decoder.push(prefix.subarray(i)), []);
        assert.ok((decoder.failure as unknown) instanceof FrameTooLargeError, `split ${i}`);
      }
    });
  }

  void test('a bad length after good frames in the same stream is still rejected', () => {
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(MAX + 1);
    const decoder = new FrameDecoder(MAX);
    assert.deepStrictEqual(feed(decoder, [frame(Buffer.from('ok'))]), [Buffer.from('ok')]);
    assert.deepStrictEqual(decoder.push(prefix), []);
    assert.ok(decoder.failure instanceof FrameTooLargeError);
  });

  void test('frames before a bad length in the same chunk are still returned', () => {
    const bad = Buffer.alloc(4);
    bad.writeInt32BE(-1);
    const decoder = new FrameDecoder(MAX);
    const chunk = Buffer.concat([frame(Buffer.from('a')), frame(Buffer.from('b')), bad]);
    assert.deepStrictEqual(
      decoder.push(chunk).map((f) => f.toString()),
      ['a', 'b'],
    );
    assert.ok(decoder.failure instanceof FrameTooLargeError);
    assert.deepStrictEqual(decoder.push(frame(Buffer.from('c'))), [], 'nothing after a failure');
  });

  void test('the default ZooKeeper cap: 0xfffff accepted, 0x100000 rejected', () => {
    const ok = Buffer.from('000fffff', 'hex');
    assert.deepStrictEqual(new FrameDecoder(0xfffff).push(ok), []);
    const over = new FrameDecoder(0xfffff);
    over.push(Buffer.from('00100000', 'hex'));
    assert.ok(over.failure instanceof FrameTooLargeError);
  });
});
