/**
 * Checks the worked frames of section 1.3 of docs/zookeeper-protocol.md byte for byte: each is
 * built with the codec (RequestHeader/ReplyHeader + body in a length-prefixed frame) and
 * compared with the hex from the reference, then fed back through FrameDecoder and the readers
 * to get the same values out. Also pins a few other fixed layouts the reference spells out.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder } from '../../../src/protocol/frame-decoder.js';
import { JuteReader } from '../../../src/protocol/jute-reader.js';
import { JuteWriter } from '../../../src/protocol/jute-writer.js';
import {
  readReplyHeader,
  readWatcherEvent,
  writeReplyHeader,
  writeWatcherEvent,
} from '../../../src/protocol/records.js';
import { decodeRequest, encodeRequest, type Request } from '../../../src/protocol/requests.js';

function requestFrame(xid: number, req: Request & { type: number }): Buffer {
  const w = new JuteWriter(8);
  const at = w.beginFrame();
  w.writeInt(xid).writeInt(req.type);
  encodeRequest(w, req);
  w.endFrame(at);
  return w.toBuffer();
}

function hex(s: string): string {
  return s.replace(/[^0-9a-f]/gi, '').toLowerCase();
}

function onlyFrame(bytes: Buffer): Buffer {
  const frames = new FrameDecoder(1 << 20).push(bytes);
  assert.equal(frames.length, 1);
  return frames[0] ?? Buffer.alloc(0);
}

void describe('section 1.3 worked frames', () => {
  void test('getData("/a", watch=true), xid=1', () => {
    const bytes = requestFrame(1, { type: 4, path: '/a', watch: true });
    assert.equal(
      bytes.toString('hex'),
      hex('00 00 00 0f | 00 00 00 01 | 00 00 00 04 | 00 00 00 02 2f 61 | 01'),
    );
    const r = new JuteReader(onlyFrame(bytes));
    assert.deepStrictEqual([r.readInt(), r.readInt()], [1, 4]);
    assert.deepStrictEqual(decodeRequest(4, r), { type: 4, path: '/a', watch: true });
    assert.equal(r.remaining, 0);
  });

  void test('ping', () => {
    const bytes = requestFrame(-2, { type: 11 });
    assert.equal(bytes.toString('hex'), hex('00 00 00 08 | ff ff ff fe | 00 00 00 0b'));
  });

  void test('ping reply', () => {
    const w = new JuteWriter(8);
    const at = w.beginFrame();
    writeReplyHeader(w, -2, 0x1_0000_0005, 0);
    w.endFrame(at);
    const bytes = w.toBuffer();
    assert.equal(
      bytes.toString('hex'),
      hex('00 00 00 10 | ff ff ff fe | 00 00 00 01 00 00 00 05 | 00 00 00 00'),
    );
    assert.deepStrictEqual(readReplyHeader(new JuteReader(onlyFrame(bytes))), {
      xid: -2,
      zxid: 0x1_0000_0005,
      err: 0,
    });
  });

  void test('close session (type -11, no body)', () => {
    const bytes = requestFrame(7, { type: -11 });
    assert.equal(bytes.toString('hex'), hex('00 00 00 08 | 00 00 00 07 | ff ff ff f5'));
  });

  void test('notification: xid -1, err 0, WatcherEvent(type, SyncConnected, path)', () => {
    const w = new JuteWriter(8);
    const at = w.beginFrame();
    writeReplyHeader(w, -1, -1, 0);
    writeWatcherEvent(w, { type: 4, state: 3, path: '/a' });
    w.endFrame(at);
    const bytes = w.toBuffer();
    const expected =
      '0000001e' +
      'ffffffff' +
      'ffffffffffffffff' +
      '00000000' +
      '00000004' +
      '00000003' +
      '00000002' +
      '2f61';
    assert.equal(bytes.toString('hex'), expected);
    const r = new JuteReader(onlyFrame(bytes));
    assert.deepStrictEqual(readReplyHeader(r), { xid: -1, zxid: -1, err: 0 });
    assert.deepStrictEqual(readWatcherEvent(r), { type: 4, state: 3, path: '/a' });
  });
});

void describe('other fixed layouts from the reference', () => {
  void test('AuthPacket: int 0, ustring scheme, buffer auth, under xid -4 and type 100', () => {
    const bytes = requestFrame(-4, { type: 100, scheme: 'digest', auth: Buffer.from('a:b') });
    const body =
      '00000000' + '00000006' + Buffer.from('digest').toString('hex') + '00000003' + '613a62';
    assert.equal(bytes.subarray(4).toString('hex'), 'fffffffc' + '00000064' + body);
  });

  void test('multi: sub-op headers (type, false, -1) and the done header (-1, true, -1)', () => {
    const bytes = requestFrame(3, { type: 14, ops: [{ type: 13, path: '/a', version: -1 }] });
    const body =
      '0000000d' +
      '00' +
      'ffffffff' +
      '00000002' +
      '2f61' +
      'ffffffff' +
      'ffffffff' +
      '01' +
      'ffffffff';
    assert.equal(bytes.subarray(12).toString('hex'), body);
  });

  void test('addWatch(path, mode) and removeWatches(path, type) are ustring + int', () => {
    const add = requestFrame(5, { type: 106, path: '/a', mode: 1 });
    assert.equal(add.subarray(12).toString('hex'), '00000002' + '2f61' + '00000001');
    const remove = requestFrame(6, { type: 18, path: '/a', watcherType: 3 });
    assert.equal(remove.subarray(12).toString('hex'), '00000002' + '2f61' + '00000003');
  });
});
