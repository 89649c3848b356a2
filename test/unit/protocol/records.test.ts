/**
 * Proves the shared jute records round-trip and have the sizes the protocol fixes: Stat (68
 * bytes), ACL vectors (null vector vs empty), Reply/Multi headers (16 and 9 bytes),
 * WatcherEvent, and the handshake records with and without the optional readOnly byte
 * (ConnectRequest 45/44 bytes, ConnectResponse 37/36 with a 16-byte password).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, JuteReader } from '../../../src/protocol/jute-reader.js';
import { JuteWriter } from '../../../src/protocol/jute-writer.js';
import {
  STAT_BYTES,
  readACLs,
  readConnectRequest,
  readConnectResponse,
  readMultiHeader,
  readReplyHeader,
  readStat,
  readWatcherEvent,
  writeACLs,
  writeConnectRequest,
  writeConnectResponse,
  writeMultiHeader,
  writeReplyHeader,
  writeStat,
  writeWatcherEvent,
} from '../../../src/protocol/records.js';
import { acls, bigLong, buffer, int32, long, rec, stat, str } from './arbitraries.js';

function written(fn: (w: JuteWriter) => void): Buffer {
  const w = new JuteWriter(8);
  fn(w);
  return w.toBuffer();
}

void describe('Stat', () => {
  void test('round-trips and is exactly 68 bytes', () => {
    fc.assert(
      fc.property(stat, (s) => {
        const bytes = written((w) => writeStat(w, s));
        assert.equal(bytes.length, STAT_BYTES);
        assert.equal(STAT_BYTES, 68);
        const r = new JuteReader(bytes);
        assert.deepStrictEqual(readStat(r), s);
        assert.equal(r.remaining, 0);
      }),
    );
  });

  void test('fields sit at their jute offsets', () => {
    const bytes = written((w) =>
      writeStat(w, {
        czxid: 1,
        mzxid: 2,
        ctime: 3,
        mtime: 4,
        version: 5,
        cversion: 6,
        aversion: 7,
        ephemeralOwner: 0x0100000000000008n,
        dataLength: 9,
        numChildren: 10,
        pzxid: 11,
      }),
    );
    const at = (o: number): bigint => bytes.readBigInt64BE(o);
    assert.deepStrictEqual([at(0), at(8), at(16), at(24)], [1n, 2n, 3n, 4n]);
    assert.deepStrictEqual(
      [bytes.readInt32BE(32), bytes.readInt32BE(36), bytes.readInt32BE(40)],
      [5, 6, 7],
    );
    assert.equal(at(44), 0x0100000000000008n);
    assert.deepStrictEqual([bytes.readInt32BE(52), bytes.readInt32BE(56)], [9, 10]);
    assert.equal(at(60), 11n);
  });

  void test('a truncated Stat throws DecodeError', () => {
    for (let n = 0; n < STAT_BYTES; n++) {
      assert.throws(() => readStat(new JuteReader(Buffer.alloc(n))), DecodeError);
    }
  });
});

void describe('ACL vectors', () => {
  void test('round-trip', () => {
    fc.assert(
      fc.property(acls, (list) => {
        const r = new JuteReader(written((w) => writeACLs(w, list)));
        assert.deepStrictEqual(readACLs(r), list);
        assert.equal(r.remaining, 0);
      }),
    );
  });

  void test('count -1 is null, 0 is empty, below -1 or beyond the record is rejected', () => {
    assert.equal(readACLs(new JuteReader(Buffer.from('ffffffff', 'hex'))), null);
    assert.deepStrictEqual(readACLs(new JuteReader(Buffer.from('00000000', 'hex'))), []);
    assert.throws(() => readACLs(new JuteReader(Buffer.from('fffffffe', 'hex'))), DecodeError);
    assert.throws(() => readACLs(new JuteReader(Buffer.from('7fffffff', 'hex'))), DecodeError);
  });

  void test('world:anyone ALL encodes as int, ustring, ustring', () => {
    const bytes = written((w) =>
      writeACLs(w, [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]),
    );
    const hex = '00000001' + '0000001f' + '00000005' + '776f726c64' + '00000006' + '616e796f6e65';
    assert.equal(bytes.toString('hex'), hex);
  });
});

void describe('headers and events', () => {
  void test('ReplyHeader round-trips in 16 bytes', () => {
    fc.assert(
      fc.property(int32, long, int32, (xid, zxid, err) => {
        const bytes = written((w) => writeReplyHeader(w, xid, zxid, err));
        assert.equal(bytes.length, 16);
        assert.deepStrictEqual(readReplyHeader(new JuteReader(bytes)), { xid, zxid, err });
      }),
    );
  });

  void test('MultiHeader round-trips in 9 bytes', () => {
    fc.assert(
      fc.property(int32, fc.boolean(), int32, (type, done, err) => {
        const bytes = written((w) => writeMultiHeader(w, { type, done, err }));
        assert.equal(bytes.length, 9);
        assert.deepStrictEqual(readMultiHeader(new JuteReader(bytes)), { type, done, err });
      }),
    );
  });

  void test('WatcherEvent round-trips', () => {
    fc.assert(
      fc.property(int32, int32, str, (type, state, path) => {
        const r = new JuteReader(written((w) => writeWatcherEvent(w, { type, state, path })));
        assert.deepStrictEqual(readWatcherEvent(r), { type, state, path });
        assert.equal(r.remaining, 0);
      }),
    );
  });
});

const readOnlyOrAbsent = fc.option(fc.boolean(), { nil: null });

void describe('handshake records', () => {
  void test('ConnectRequest round-trips, with and without the readOnly byte', () => {
    fc.assert(
      fc.property(
        rec({
          protocolVersion: int32,
          lastZxidSeen: long,
          timeOut: int32,
          sessionId: bigLong,
          passwd: buffer,
          readOnly: readOnlyOrAbsent,
        }),
        (req) => {
          const bytes = written((w) => writeConnectRequest(w, req));
          const expected = 4 + 8 + 4 + 8 + 4 + req.passwd.length + (req.readOnly === null ? 0 : 1);
          assert.equal(bytes.length, expected);
          const r = new JuteReader(bytes);
          assert.deepStrictEqual(readConnectRequest(r), req);
          assert.equal(r.remaining, 0);
        },
      ),
    );
  });

  void test('ConnectRequest is 45 bytes with readOnly and 44 without (16-byte passwd)', () => {
    const base = {
      protocolVersion: 0,
      lastZxidSeen: 0,
      timeOut: 30000,
      sessionId: 0n,
      passwd: Buffer.alloc(16),
    };
    assert.equal(written((w) => writeConnectRequest(w, { ...base, readOnly: false })).length, 45);
    assert.equal(written((w) => writeConnectRequest(w, { ...base, readOnly: null })).length, 44);
  });

  void test('ConnectResponse round-trips; 37 bytes with readOnly, 36 without', () => {
    fc.assert(
      fc.property(int32, int32, bigLong, readOnlyOrAbsent, (pv, timeOut, sessionId, ro) => {
        const res = {
          protocolVersion: pv,
          timeOut,
          sessionId,
          passwd: Buffer.alloc(16, 7),
          readOnly: ro,
        };
        const bytes = written((w) => writeConnectResponse(w, res));
        assert.equal(bytes.length, ro === null ? 36 : 37);
        assert.deepStrictEqual(readConnectResponse(new JuteReader(bytes)), res);
      }),
    );
  });

  void test('a null password reads as empty; a truncated handshake throws DecodeError', () => {
    const bytes = written((w) => w.writeInt(0).writeInt(0).writeLong(0).writeInt(-1));
    assert.deepStrictEqual(readConnectResponse(new JuteReader(bytes)).passwd, Buffer.alloc(0));
    const full = written((w) =>
      writeConnectRequest(w, {
        protocolVersion: 0,
        lastZxidSeen: 5,
        timeOut: 1,
        sessionId: 3n,
        passwd: Buffer.alloc(16),
        readOnly: null,
      }),
    );
    for (let n = 0; n < full.length; n++) {
      assert.throws(() => readConnectRequest(new JuteReader(full.subarray(0, n))), DecodeError);
    }
  });
});
