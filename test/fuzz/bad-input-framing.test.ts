/**
 * Bad framing never crashes the server or disturbs other sessions (protocol §1, §2, §19, §21).
 * One Warren server (all four-letter words enabled) and a bystander session doing real work
 * the whole time; against them, raw sockets send what no client should:
 * - before the handshake: a request frame instead of a ConnectRequest, a ConnectRequest cut
 *   at every length, one with garbage after it, a zero-length frame, 1–3 bytes then close,
 *   bad ConnectRequest fields — each closed with no reply, or answered exactly as ZooKeeper
 *   answers (new session, invalid-session reply); and a valid handshake split at every byte
 *   boundary, which must still work;
 * - bad frame lengths before and after the handshake: negative, above jute.maxbuffer,
 *   0x7fffffff, zero, shorter than a RequestHeader, longer than what is ever sent — closed
 *   with no reply, and the session survives a close after its handshake; a second
 *   ConnectRequest reads as opcode 0: Unimplemented, then closed;
 * - four-letter lookalikes: 'ruok' after a handshake is a frame length (closed, not
 *   answered), 'abcd' first is closed, and every real word answers non-empty text (wchc and
 *   wchp in ZooKeeper's shape: their dump, then an empty line) and closes.
 * The last test checks the bystander, the process, the log and a fresh client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JuteReader } from '../../src/protocol/jute-reader.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import { readConnectResponse, readReplyHeader } from '../../src/protocol/records.js';
import { KNOWN_FOUR_LETTER_WORDS } from '../../src/config/config.js';
import { fourLetter } from '../support/four-letter.js';
import { RawClient } from '../support/raw-client.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';
import { assertAftermath, Bystander } from './bystander.js';
import { sampleRequests } from './samples.js';
import {
  connectBody,
  encodeBody,
  frameOf,
  frameWithLength,
  hex,
  inParallel,
  int32,
  JUTE_MAX_BUFFER,
  pause,
  RawWire,
  requestFrame,
  sendAndWatch,
} from './wire.js';

const BAD_LENGTHS = [-1, -5, -0x80000000, JUTE_MAX_BUFFER + 1, 0x7fffffff, 0x10000000];

/** The server must close the connection and send nothing at all. */
async function assertClosedSilently(wire: RawWire, what: string, sentBefore = 0): Promise<void> {
  const closed = await wire.waitClosed();
  wire.destroy();
  assert.ok(closed, `${what}: the server did not close the connection`);
  assert.equal(
    wire.received.length - sentBefore,
    0,
    `${what}: the server answered ${hex(wire.received.subarray(sentBefore))}`,
  );
}

/** A connected session on a RawWire: the ConnectResponse must be a valid new session. */
async function wireSession(server: RunningServer): Promise<RawWire> {
  const wire = await RawWire.open(server.host, server.port);
  const res = await wire.handshake();
  assert.ok(res.timeOut > 0 && res.sessionId !== 0n, 'handshake refused');
  return wire;
}

/** Sends exists('/') with xid 7 and checks the reply (the connection still works). */
async function assertServes(wire: RawWire, what: string): Promise<void> {
  const before = wire.frames.length;
  wire.write(requestFrame(7, OpCode.exists, encodeBody({ type: 3, path: '/', watch: false })));
  assert.ok(await wire.waitFrames(before + 1), `${what}: no reply to exists('/')`);
  const header = readReplyHeader(new JuteReader(wire.frames[before] as Buffer));
  assert.deepEqual([header.xid, header.err], [7, 0], `${what}: exists('/') reply`);
}

void describe('bad input: framing and handshake', () => {
  let server: RunningServer;
  let bystander: Bystander;

  before(async () => {
    server = await startWarren({ args: ['--4lw', '*'] });
    bystander = await Bystander.start(server);
  });
  after(async () => {
    await bystander?.halt();
    await server?.stop();
  });

  void it('closes, without a reply, a request frame sent instead of a ConnectRequest', async () => {
    const frames = sampleRequests('/pre').map((s, i) =>
      requestFrame(i + 1, s.request.type as number, encodeBody(s.request)),
    );
    frames.push(requestFrame(1, OpCode.ping, Buffer.alloc(0)));
    frames.push(requestFrame(1, OpCode.closeSession, Buffer.alloc(0)));
    await inParallel(frames, 8, async (frame) => {
      const wire = await RawWire.open(server.host, server.port);
      wire.write(frame);
      await assertClosedSilently(wire, `request frame ${hex(frame, 40)} first`);
    });
  });

  void it('closes, without a reply, a ConnectRequest cut at every length', async () => {
    const full = connectBody();
    const cuts = Array.from({ length: 44 }, (_, n) => n);
    await inParallel(cuts, 8, async (n) => {
      const wire = await RawWire.open(server.host, server.port);
      wire.write(frameOf(full.subarray(0, n)));
      await assertClosedSilently(wire, `ConnectRequest cut to ${n} of 45 bytes`);
    });
    // Controls: 44 bytes is a valid request without readOnly (reply without it, §2.2).
    const wire = await RawWire.open(server.host, server.port);
    const res = await wire.handshake({ readOnly: null });
    assert.ok(res.timeOut > 0, '44-byte ConnectRequest refused');
    assert.equal((wire.frames[0] as Buffer).length, 36, '44-byte request: 36-byte reply');
    wire.destroy();
  });

  void it('accepts a ConnectRequest with garbage after it, as ZooKeeper does', async () => {
    // ZooKeeper reads the fields it knows and ignores the rest of the frame.
    for (const garbage of [Buffer.from([0]), Buffer.from('trailing garbage'), int32(-1)]) {
      const wire = await RawWire.open(server.host, server.port);
      wire.write(frameOf(Buffer.concat([connectBody(), garbage])));
      assert.ok(await wire.waitFrames(1), `garbage ${hex(garbage)}: no ConnectResponse`);
      const res = readConnectResponse(new JuteReader(wire.frames[0] as Buffer));
      assert.ok(res.timeOut > 0 && res.sessionId !== 0n, 'session refused');
      assert.equal(res.passwd.length, 16);
      assert.equal((wire.frames[0] as Buffer).length, 37, 'readOnly byte echoed');
      await assertServes(wire, `ConnectRequest + ${hex(garbage)}`);
      wire.destroy();
    }
  });

  void it('closes a zero-length first frame and 1–3 bytes then close', async () => {
    await assertClosedSilently(
      await sendAndWatch(server.host, server.port, [int32(0)]),
      'zero-length first frame',
    );
    const first = frameOf(connectBody());
    for (let n = 1; n <= 3; n++) {
      for (const finish of ['end', 'destroy'] as const) {
        const wire = await sendAndWatch(server.host, server.port, [first.subarray(0, n)], {
          finish,
        });
        assert.ok(wire.isClosed);
        assert.equal(wire.received.length, 0, `${n} bytes then ${finish}: answered`);
      }
      // Left open, the server just waits for the rest; nothing may come back meanwhile.
      const wire = await RawWire.open(server.host, server.port);
      wire.write(first.subarray(0, n));
      await pause(50);
      assert.equal(wire.received.length, 0, `${n} bytes: answered`);
      wire.destroy();
    }
  });

  void it('completes a handshake split at every byte boundary', async () => {
    const first = frameOf(connectBody());
    const splits = Array.from({ length: first.length - 1 }, (_, k) => k + 1);
    await inParallel(splits, 8, async (k) => {
      const wire = await RawWire.open(server.host, server.port);
      wire.write(first.subarray(0, k));
      await pause(10);
      wire.write(first.subarray(k));
      assert.ok(await wire.waitFrames(1), `handshake split at ${k}: no ConnectResponse`);
      const res = readConnectResponse(new JuteReader(wire.frames[0] as Buffer));
      assert.ok(res.timeOut > 0, `handshake split at ${k}: refused`);
      await assertServes(wire, `handshake split at ${k}`);
      wire.destroy();
    });
    // And one byte per write, with a request pipelined behind it in the same trickle.
    const wire = await RawWire.open(server.host, server.port);
    const exists = requestFrame(7, OpCode.exists, encodeBody({ type: 3, path: '/', watch: false }));
    for (const byte of Buffer.concat([first, exists])) {
      wire.write(Buffer.from([byte]));
      await pause(1);
    }
    assert.ok(await wire.waitFrames(2), 'byte-by-byte handshake: no replies');
    assert.equal(readReplyHeader(new JuteReader(wire.frames[1] as Buffer)).err, 0);
    wire.destroy();
  });

  void it('answers bad ConnectRequest fields as ZooKeeper does', async () => {
    // Unknown session, or a known one with the wrong password: (0, 0, 0, 16 zero bytes), close.
    const known = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
    const cases = [
      { sessionId: 0x0123456789abcdefn, passwd: Buffer.alloc(16, 7) },
      { sessionId: known.sessionId, passwd: Buffer.alloc(16, 1) },
      { sessionId: known.sessionId, passwd: known.passwd.subarray(0, 15) },
      { sessionId: -1n, passwd: Buffer.alloc(0) },
    ];
    for (const over of cases) {
      const wire = await RawWire.open(server.host, server.port);
      const res = await wire.handshake(over);
      const what = `reattach 0x${over.sessionId.toString(16)} passwd ${hex(over.passwd)}`;
      assert.deepEqual(
        [res.timeOut, res.sessionId, res.passwd.equals(Buffer.alloc(16))],
        [0, 0n, true],
        `${what}: expected the invalid-session reply`,
      );
      assert.ok(await wire.waitClosed(), `${what}: connection left open`);
      wire.destroy();
    }
    // ZooKeeper closes the live connection of that session before checking the password
    // (§2.3 step 7); Warren keeps it. Either way the session itself must survive.
    await assertReattaches(server, known, 'failed reattach attempts');
    if (known.isOpen) known.destroy();
    // A client ahead of the server's zxid must go elsewhere: closed, no reply (§2.3).
    const ahead = await RawWire.open(server.host, server.port);
    ahead.write(frameOf(connectBody({ lastZxidSeen: 2 ** 52 })));
    await assertClosedSilently(ahead, 'lastZxidSeen ahead of the server');
    // A new session ignores the password and clamps any timeout.
    for (const over of [
      { passwd: Buffer.alloc(0) },
      { passwd: Buffer.alloc(100, 9) },
      { timeOut: -1 },
      { timeOut: 0x7fffffff },
      { protocolVersion: -7 },
    ]) {
      const wire = await RawWire.open(server.host, server.port);
      const res = await wire.handshake(over);
      assert.ok(res.timeOut > 0 && res.sessionId !== 0n, `${JSON.stringify(over)}: refused`);
      assert.ok(res.timeOut >= 4000 && res.timeOut <= 40_000, `timeout ${res.timeOut} unclamped`);
      await assertServes(wire, JSON.stringify(over));
      wire.destroy();
    }
  });

  void it('closes, without a reply, bad frame lengths before the handshake', async () => {
    const cases = BAD_LENGTHS.map((len) => ({ len, chunk: int32(len) }));
    // A length announcing more than is ever sent, then end of stream.
    cases.push({ len: 45, chunk: frameWithLength(45, connectBody().subarray(0, 20)) });
    cases.push({ len: 1000, chunk: frameWithLength(1000, Buffer.alloc(999)) });
    for (const { len, chunk } of cases) {
      const wire = await sendAndWatch(server.host, server.port, [chunk], {
        finish: len > 0 && len <= JUTE_MAX_BUFFER ? 'end' : 'open',
      });
      await assertClosedSilently(wire, `first frame length ${len}`);
    }
  });

  void it('closes bad frame lengths after the handshake; the session survives', async () => {
    const lengths = [...BAD_LENGTHS, 0, 1, 4, 7];
    for (const len of lengths) {
      const client = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
      const bytes = frameWithLength(
        len,
        len > 0 && len < 8 ? Buffer.alloc(len, 1) : Buffer.alloc(0),
      );
      client.writeRaw(bytes);
      const closed = await Promise.race([client.closed.then(() => true), pause(3000)]);
      assert.ok(closed === true, `frame length ${len} after the handshake: not closed`);
      assert.deepEqual(client.events, [], `frame length ${len}: answered`);
      await assertReattaches(server, client, `frame length ${len}`);
    }
    // More bytes announced than ever sent, then end of stream: nothing answered, no crash.
    const wire = await wireSession(server);
    const sent = wire.received.length;
    wire.end(frameWithLength(200, Buffer.alloc(50)));
    await assertClosedSilently(wire, 'truncated frame then end of stream', sent);
  });

  void it('answers a second ConnectRequest as opcode 0: Unimplemented, then closed', async () => {
    // Read as a RequestHeader, a ConnectRequest is xid 0 (protocolVersion) and opcode 0 (the
    // high half of lastZxidSeen): the notification opcode, which a client may not send (§4).
    const wire = await wireSession(server);
    const before = wire.frames.length;
    wire.write(frameOf(connectBody()));
    assert.ok(await wire.waitFrames(before + 1), 'second ConnectRequest: no reply');
    const header = readReplyHeader(new JuteReader(wire.frames[before] as Buffer));
    assert.deepEqual([header.xid, header.err], [0, -6], 'second ConnectRequest: reply');
    assert.ok(await wire.waitClosed(), 'second ConnectRequest: connection left open');
    wire.destroy();
  });

  void it("treats 'ruok' after a handshake as a frame length, and 'abcd' first", async () => {
    for (const word of ['ruok', 'srvr', 'stat']) {
      const wire = await wireSession(server);
      const sent = wire.received.length;
      wire.write(Buffer.from(word));
      await assertClosedSilently(wire, `'${word}' after a handshake`, sent);
    }
    for (const word of ['abcd', 'RUOK', 'ruo\u0000', 'zzzz']) {
      const wire = await RawWire.open(server.host, server.port);
      wire.write(Buffer.from(word, 'latin1'));
      await assertClosedSilently(wire, `'${word}' as the first bytes`);
    }
  });

  void it('answers every real four-letter word with text, then closes', async () => {
    const wrong: string[] = [];
    for (const word of KNOWN_FOUR_LETTER_WORDS) {
      const text = await fourLetter(server.host, server.port, word);
      if (text.length === 0) wrong.push(`'${word}': empty answer`);
      if (text.includes('not executed')) wrong.push(`'${word}': not enabled: ${text}`);
      // ZooKeeper's WatchCommand ends wchc/wchp with println() after the dump, so the answer
      // is never empty: "\n" with no watches, else the dump and an empty line.
      const dumpsWatches = word === 'wchc' || word === 'wchp';
      if (dumpsWatches && text !== '\n' && !text.endsWith('\n\n')) {
        wrong.push(`'${word}': ${JSON.stringify(text.slice(-60))} lacks the final empty line`);
      }
    }
    assert.deepEqual(wrong, [], 'four-letter words answered wrongly');
    assert.equal(await fourLetter(server.host, server.port, 'ruok'), 'imok');
    // Split across two writes, or followed by junk: still the word, still closed.
    for (const chunks of [['ru', 'ok'], ['r', 'u', 'o', 'k'], ['ruokjunk-after-the-word']]) {
      const wire = await sendAndWatch(
        server.host,
        server.port,
        chunks.map((c) => Buffer.from(c)),
        { gapMs: 10 },
      );
      assert.ok(wire.isClosed, `${chunks.join('|')}: not closed`);
      assert.equal(wire.received.toString(), 'imok', `${chunks.join('|')}: answer`);
    }
  });

  void it('left the bystander, the process and the log untouched', () =>
    assertAftermath(server, bystander));
});

/** The session of a client whose connection the server dropped must still be usable. */
async function assertReattaches(server: RunningServer, old: RawClient, what: string) {
  const back = await RawClient.connect(server.host, server.port, {
    timeoutMs: 10_000,
    sessionId: old.sessionId,
    passwd: old.passwd,
  });
  assert.equal(back.sessionId, old.sessionId, `${what}: session lost`);
  assert.ok(back.timeOut > 0, `${what}: session invalid after the drop`);
  await back.close();
}
