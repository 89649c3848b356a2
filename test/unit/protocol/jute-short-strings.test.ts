/**
 * JuteWriter's short-ASCII path (writeShortAscii) writes exactly what the UTF-8 path does:
 * every length around its limit, ASCII or not (a non-ASCII char anywhere falls back with
 * nothing written), alone and in a list.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JuteReader } from '../../../src/protocol/jute-reader.js';
import { JuteWriter } from '../../../src/protocol/jute-writer.js';

/** What jute's ustring is: a 4-byte length, then the UTF-8 bytes. */
function expected(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const length = Buffer.alloc(4);
  length.writeInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

describe('JuteWriter strings', () => {
  it('encodes short ASCII and non-ASCII strings as UTF-8 with their byte length', () => {
    const values: string[] = [''];
    for (const length of [1, 7, 63, 64, 65, 200]) {
      values.push('a'.repeat(length));
      for (const at of [0, Math.floor(length / 2), length - 1]) {
        for (const char of ['é', '\u007f', '\u0080', '😀']) {
          values.push('a'.repeat(at) + char + 'a'.repeat(length - at - 1));
        }
      }
    }
    const w = new JuteWriter(8);
    for (const value of values) {
      assert.deepEqual(Buffer.from(w.reset().writeString(value).view()), expected(value), value);
    }
    const list = Buffer.from(w.reset().writeStrings(values).view());
    const r = new JuteReader(list);
    assert.equal(r.readInt(), values.length);
    for (const value of values) assert.equal(r.readString(), value);
  });
});
