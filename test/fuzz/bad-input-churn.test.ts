/**
 * Connections that vanish mid-conversation never crash the server, leak connections or
 * disturb other sessions (protocol §2, §5.9, §14, §15). One Warren server and a bystander
 * session doing real work the whole time; against them:
 * - 300 connections opened and dropped (reset or half-closed) mid-frame, in seeded variants:
 *   nothing sent, part of a ConnectRequest, a ConnectRequest and part of a request, pipelined
 *   requests and a partial one, part of a four-letter word; afterwards the server's own count
 *   of connections (srvr) falls back, and a new client works;
 * - pipelined writes and reads, then an abrupt close: the session survives, and the writes
 *   that took effect are exactly a prefix of those sent (requests run in order);
 * - closeSession followed by more requests on the same socket: closeSession is answered, the
 *   connection closes, nothing after it takes effect (any reply to it is SessionExpired), and
 *   the session is gone (reattaching gets the invalid-session reply);
 * - requests received before a bad frame length are still executed, whether the bad length
 *   arrives in the same TCP segment or a later one (ZooKeeper reads and submits each frame
 *   before it reads the next length).
 * The last test checks the bystander, the process, the log and a fresh client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Err, errName } from '../../src/protocol/error-codes.js';
import { JuteReader } from '../../src/protocol/jute-reader.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import { readReplyHeader, type ConnectResponse } from '../../src/protocol/records.js';
import type { Request } from '../../src/protocol/requests.js';
import { fourLetter } from '../support/four-letter.js';
import type { Prng } from '../support/prng.js';
import { RawClient } from '../support/raw-client.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';
import { assertAftermath, Bystander } from './bystander.js';
import { OPEN_ACL } from './samples.js';
import { caseRng, FUZZ_SEED, replayHint } from './seed.js';
import {
  connectBody,
  encodeBody,
  frameOf,
  inParallel,
  int32,
  pause,
  RawWire,
  requestFrame,
} from './wire.js';

const BASE = '/churn';
const CHURN_CONNECTIONS = 300;
const CHURN_PARALLEL = 24;

const create = (path: string, flags = 0): Request => ({
  type: OpCode.create,
  path,
  data: Buffer.from('x'),
  acl: OPEN_ACL,
  flags,
  ttl: -1,
});
const frame = (xid: number, req: Request): Buffer =>
  requestFrame(xid, req.type as number, encodeBody(req));

/** One seeded way of dropping a connection mid-frame. */
async function churnOnce(server: RunningServer, rng: Prng, i: number): Promise<void> {
  const wire = await RawWire.open(server.host, server.port);
  const connect = frameOf(connectBody({ timeOut: 4000 }));
  const request = frame(1, create(`${BASE}/c${i}`));
  const cut = (b: Buffer): Buffer => b.subarray(0, 1 + rng.int(b.length - 1));
  switch (rng.int(6)) {
    case 0:
      break;
    case 1:
      wire.write(cut(connect));
      break;
    case 2:
      wire.write(Buffer.concat([connect, cut(request)]));
      break;
    case 3:
      wire.write(connect);
      await wire.waitFor(() => wire.frames.length > 0 || wire.isClosed, 2000);
      wire.write(cut(request));
      break;
    case 4: {
      const pipelined = Array.from({ length: 1 + rng.int(10) }, (_, k) =>
        frame(k + 2, { type: OpCode.exists, path: BASE, watch: true }),
      );
      wire.write(Buffer.concat([connect, ...pipelined, cut(request)]));
      break;
    }
    default:
      wire.write(Buffer.from(rng.pick(['s', 'sr', 'srv', 'ru', 'r'])));
  }
  if (rng.chance(0.3)) await pause(rng.int(5));
  if (rng.chance(0.5)) wire.end();
  wire.destroy();
}

function sessionOf(res: ConnectResponse): { sessionId: bigint; passwd: Buffer } {
  return { sessionId: res.sessionId, passwd: res.passwd };
}

async function reattach(server: RunningServer, s: { sessionId: bigint; passwd: Buffer }) {
  return RawClient.connect(server.host, server.port, { timeoutMs: 30_000, ...s });
}

/**
 * The number after `Connections:` in srvr's answer, asked until it is at most `atMost` (the
 * server notices closed sockets asynchronously) or 5 s have passed.
 */
async function connectionCount(server: RunningServer, atMost = Infinity): Promise<number> {
  let count = NaN;
  for (let tries = 0; tries < 50; tries++) {
    const text = await fourLetter(server.host, server.port, 'srvr').catch(() => '');
    const match = /Connections: (\d+)/.exec(text);
    count = match === null ? NaN : Number(match[1]);
    if (count <= atMost) return count;
    await pause(100);
  }
  return count;
}

void describe('bad input: connection churn', () => {
  let server: RunningServer;
  let bystander: Bystander;
  let client: RawClient;

  before(async () => {
    server = await startWarren();
    bystander = await Bystander.start(server);
    client = await RawClient.connect(server.host, server.port, { timeoutMs: 30_000 });
    const made = await client.request(create(BASE));
    assert.equal(made.header.err, Err.ok);
  });
  after(async () => {
    client?.destroy();
    await bystander?.halt();
    await server?.stop();
  });

  void it(`survives connections dropped mid-frame (seed ${FUZZ_SEED})`, async () => {
    const cases = Array.from({ length: CHURN_CONNECTIONS }, (_, i) => i);
    await inParallel(cases, CHURN_PARALLEL, (i) => churnOnce(server, caseRng('churn', i), i));
    // Every dropped connection must leave the server's books: only the bystander, the
    // setup client and the srvr probe itself remain.
    const count = await connectionCount(server, 3);
    assert.ok(count <= 3, `${count} connections still counted after the churn; ${replayHint()}`);
    assert.equal((await client.request({ type: 3, path: BASE, watch: false })).header.err, 0);
  });

  void it('keeps a prefix of pipelined writes when the connection is cut', async () => {
    for (let round = 0; round < 10; round++) {
      const dir = `${BASE}/p${round}`;
      assert.equal((await client.request(create(dir))).header.err, Err.ok);
      const wire = await RawWire.open(server.host, server.port);
      const session = sessionOf(await wire.handshake({ timeOut: 30_000 }));
      const burst: Buffer[] = [];
      for (let k = 0; k < 40; k++) {
        burst.push(frame(2 * k + 1, create(`${dir}/c${String(k).padStart(2, '0')}`)));
        burst.push(frame(2 * k + 2, { type: OpCode.getChildren, path: dir, watch: true }));
      }
      wire.write(Buffer.concat(burst));
      if (round % 2 === 1) await pause(round);
      wire.destroy();
      const back = await reattach(server, session);
      assert.ok(back.timeOut > 0, `round ${round}: the session did not survive the cut`);
      const listed = await back.request({ type: OpCode.getChildren, path: dir, watch: false });
      const names = listed.response?.kind === 'children' ? [...listed.response.children] : [];
      names.sort();
      const prefix = names.map((_, k) => `c${String(k).padStart(2, '0')}`);
      assert.deepEqual(names, prefix, `round ${round}: applied writes are not a prefix`);
      await back.close();
    }
  });

  void it('forgets a connection cut while it floods the server with requests', async () => {
    const baseline = await connectionCount(server);
    const wires = await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        const wire = await RawWire.open(server.host, server.port);
        await wire.handshake({ timeOut: 30_000 });
        // More than warren.outstandingRequestsMax (1000), so the server stops reading.
        const flood = Array.from({ length: 3000 }, (_, k) =>
          k % 10 === 0
            ? frame(k + 1, create(`${BASE}/flood${w}-${k}`))
            : frame(k + 1, { type: OpCode.getChildren2, path: BASE, watch: false }),
        );
        wire.write(Buffer.concat(flood));
        return wire;
      }),
    );
    await pause(20);
    for (const wire of wires) wire.destroy();
    const count = await connectionCount(server, baseline);
    assert.ok(count <= baseline, `${count} connections counted, ${baseline} before the flood`);
  });

  void it('executes nothing sent after closeSession on the same socket', async () => {
    const tails: [string, (n: number) => Buffer][] = [
      ['requests', (n) => Buffer.concat(followers(n))],
      [
        'requests and an unknown opcode',
        (n) => Buffer.concat([...followers(n), requestFrame(5, 1000, Buffer.alloc(0))]),
      ],
      ['requests and a ping', (n) => Buffer.concat([...followers(n), frame(-2, { type: 11 })])],
    ];
    for (const [what, tail] of tails) {
      for (let n = 0; n < 3; n++) {
        const wire = await RawWire.open(server.host, server.port);
        const session = sessionOf(await wire.handshake({ timeOut: 30_000 }));
        const before = wire.frames.length;
        wire.write(Buffer.concat([frame(1, { type: OpCode.closeSession }), tail(n)]));
        assert.ok(await wire.waitClosed(), `closeSession + ${what}: connection left open`);
        // Ping replies are matched out of band by every client (§1.2); Warren sends them at once.
        const replies = wire.frames
          .slice(before)
          .map((f) => readReplyHeader(new JuteReader(f)))
          .filter((h) => h.xid !== -2);
        assert.deepEqual(
          [replies[0]?.xid, replies[0]?.err],
          [1, Err.ok],
          `closeSession + ${what}: first reply`,
        );
        for (const r of replies.slice(1)) {
          assert.equal(r.err, Err.sessionExpired, `closeSession + ${what}: ${errName(r.err)}`);
        }
        const after = await client.request({ type: 3, path: `${BASE}/after${n}`, watch: false });
        assert.equal(after.header.err, Err.noNode, `closeSession + ${what}: a later create ran`);
        const back = await reattach(server, session);
        assert.deepEqual([back.timeOut, back.sessionId], [0, 0n], `${what}: session not closed`);
        back.destroy();
      }
    }
  });

  void it('executes requests received before a bad frame length', async () => {
    const lost: string[] = [];
    for (const sameSegment of [false, true]) {
      for (const bad of [-1, 0x7fffffff]) {
        const how = `then bad length ${bad} ${sameSegment ? 'in the same segment' : 'later'}`;
        const path = `${BASE}/before-bad-${sameSegment ? 'same' : 'later'}${bad}`;
        const created = await sendThenBadLength(server, frame(1, create(path)), bad, sameSegment);
        const seen = await client.request({ type: 3, path, watch: false });
        if (!created || seen.header.err !== Err.ok) lost.push(`create ${how}: never ran`);
        const close = frame(1, { type: OpCode.closeSession });
        const session = await sendThenBadLength(server, close, bad, sameSegment);
        const back = session === null ? null : await reattach(server, session);
        if (back !== null && back.timeOut !== 0) lost.push(`closeSession ${how}: never ran`);
        back?.destroy();
      }
    }
    assert.deepEqual(lost, [], 'complete requests before a bad frame length were dropped');
  });

  void it('left the bystander, the process and the log untouched', () =>
    assertAftermath(server, bystander));
});

/**
 * Opens a session, sends `good` and then a bad frame length, in one write or two, and waits
 * for the close. Returns the session (null if the handshake failed).
 */
async function sendThenBadLength(
  server: RunningServer,
  good: Buffer,
  bad: number,
  sameSegment: boolean,
): Promise<{ sessionId: bigint; passwd: Buffer } | null> {
  const wire = await RawWire.open(server.host, server.port);
  const session = sessionOf(await wire.handshake({ timeOut: 30_000 }));
  if (sameSegment) {
    wire.write(Buffer.concat([good, int32(bad)]));
  } else {
    wire.write(good);
    await wire.waitFor(() => wire.frames.length > 1, 2000);
    wire.write(int32(bad));
  }
  const closed = await wire.waitClosed();
  wire.destroy();
  assert.ok(closed, `bad frame length ${bad}: connection left open`);
  await pause(50);
  return session;
}

/** n requests that must not run once closeSession is in: a create, a read, a setData. */
function followers(n: number): Buffer[] {
  return [
    frame(2, create(`${BASE}/after${n}`)),
    frame(3, { type: OpCode.getData, path: BASE, watch: false }),
    frame(4, { type: OpCode.setData, path: BASE, data: null, version: -1 }),
  ].slice(0, n + 1);
}
