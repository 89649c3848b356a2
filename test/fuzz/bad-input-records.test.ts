/**
 * Undecodable request records never crash the server or disturb other sessions (protocol §1,
 * §4, §21). One Warren server and a bystander session doing real work the whole time;
 * against them, well-framed requests whose bodies lie:
 * - huge, negative and overlong length prefixes on strings, buffers and vectors, and vector
 *   counts of −5 and 2^31−1: MarshallingError (−5), and the connection keeps serving;
 * - the valid body of every served opcode cut at every byte: −5 each, and the connection
 *   keeps serving (checked with a valid request after each burst); a RequestHeader cut short
 *   closes the connection and the session survives;
 * - opcodes Warren does not serve (fixed ones and seeded random ints): Unimplemented (−6)
 *   with the request's xid, then the server closes; the session and its ephemeral survive;
 * - a setData whose frame is one byte over jute.maxbuffer: closed with no reply (session
 *   survives); one exactly at the limit: stored and read back.
 * Deliberate deviations from ZooKeeper that are accepted are named where they are tested.
 * The last test checks the bystander, the process, the log and a fresh client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Err, errName } from '../../src/protocol/error-codes.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import { RawClient, type RawReply } from '../support/raw-client.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';
import { assertAftermath, Bystander } from './bystander.js';
import { OPEN_ACL, sampleRequests } from './samples.js';
import { caseRng, FUZZ_SEED, replayHint } from './seed.js';
import {
  bodyOf,
  encodeBody,
  hex,
  int32,
  JUTE_MAX_BUFFER,
  pause,
  requestFrame,
  SERVED_OPCODES,
} from './wire.js';

const BASE = '/rec';

interface LyingBody {
  what: string;
  opcode: number;
  body: Buffer;
  /** Codes accepted besides MarshallingError, with the reason (ZooKeeper's own answer). */
  alsoOk?: number[];
}

const str = (s: string): Buffer => Buffer.concat([int32(Buffer.byteLength(s)), Buffer.from(s)]);
const bool = (b: boolean): Buffer => Buffer.from([b ? 1 : 0]);
const acl = bodyOf((w) => w.writeInt(31).writeString('world').writeString('anyone'));

/** Length prefixes that cannot be honest inside a small frame. */
const HUGE = [0x7fffffff, JUTE_MAX_BUFFER + 1, 2 * JUTE_MAX_BUFFER + 1, 5000, -2, -5, -0x80000000];

function lyingBodies(): LyingBody[] {
  const out: LyingBody[] = [];
  const node = `${BASE}/x`;
  for (const len of HUGE) {
    const lie = Buffer.concat([int32(len), Buffer.from(node)]);
    for (const op of [OpCode.exists, OpCode.getData, OpCode.getChildren, OpCode.getChildren2]) {
      out.push({ what: `path length ${len}`, opcode: op, body: Buffer.concat([lie, bool(true)]) });
    }
    for (const op of [OpCode.getACL, OpCode.sync, OpCode.getAllChildrenNumber]) {
      out.push({ what: `path length ${len}`, opcode: op, body: lie });
    }
    out.push({ what: `prefix length ${len}`, opcode: OpCode.getEphemerals, body: lie });
    for (const op of [OpCode.delete, OpCode.addWatch, OpCode.checkWatches, OpCode.check]) {
      out.push({ what: `path length ${len}`, opcode: op, body: Buffer.concat([lie, int32(1)]) });
    }
    const data = Buffer.concat([int32(len), Buffer.from('data')]);
    out.push({
      what: `data length ${len}`,
      opcode: OpCode.setData,
      body: Buffer.concat([str(node), data, int32(-1)]),
    });
    for (const op of [OpCode.create, OpCode.create2, OpCode.createContainer]) {
      const flags = int32(op === OpCode.createContainer ? 4 : 0);
      out.push({
        what: `data length ${len}`,
        opcode: op,
        body: Buffer.concat([str(node), data, int32(1), acl, flags]),
      });
      const scheme = Buffer.concat([int32(31), int32(len), Buffer.from('world')]);
      out.push({
        what: `ACL scheme length ${len}`,
        opcode: op,
        body: Buffer.concat([str(node), int32(-1), int32(1), scheme, flags]),
      });
    }
    const multiLie = Buffer.concat([int32(OpCode.create), bool(false), int32(-1), lie]);
    out.push({ what: `multi sub-op path length ${len}`, opcode: OpCode.multi, body: multiLie });
    out.push({
      what: `setWatches path length ${len}`,
      opcode: OpCode.setWatches,
      body: Buffer.concat([Buffer.alloc(8), int32(1), lie, int32(0), int32(0)]),
    });
    out.push({
      what: `auth buffer length ${len}`,
      opcode: OpCode.auth,
      body: Buffer.concat([int32(0), str('digest'), int32(len), Buffer.from('u:p')]),
    });
    out.push({
      what: `reconfig string length ${len}`,
      opcode: OpCode.reconfig,
      body: Buffer.concat([lie, int32(-1), int32(-1), Buffer.alloc(8)]),
      // ZooKeeper refuses reconfig (disabled) before it decodes the body.
      alsoOk: [Err.reconfigDisabled],
    });
  }
  return out.concat(vectorLies(node));
}

/**
 * Vector counts of −5 and 2^31−1. ZooKeeper's jute reader treats any negative count as an
 * empty vector (BinaryIndex.done() is `nelems <= 0`), so it would answer −5 counts with
 * InvalidACL (create, setACL) or OK (setWatches); Warren rejects them as undecodable, as this
 * suite's brief requires. Both answers keep the connection open.
 */
function vectorLies(node: string): LyingBody[] {
  const out: LyingBody[] = [];
  for (const count of [-5, 0x7fffffff, -2, 1000]) {
    const c = int32(count);
    out.push({
      what: `ACL count ${count}`,
      opcode: OpCode.create,
      body: Buffer.concat([str(node), int32(-1), c, acl, int32(0)]),
    });
    out.push({
      what: `ACL count ${count}`,
      opcode: OpCode.setACL,
      body: Buffer.concat([str(node), c, acl, int32(-1)]),
    });
    for (let slot = 0; slot < 5; slot++) {
      const vectors = [0, 1, 2, 3, 4].map((k) => (k === slot ? c : int32(0)));
      out.push({
        what: `setWatches2 vector ${slot} count ${count}`,
        opcode: OpCode.setWatches2,
        body: Buffer.concat([Buffer.alloc(8), ...vectors]),
      });
      if (slot < 3) {
        out.push({
          what: `setWatches vector ${slot} count ${count}`,
          opcode: OpCode.setWatches,
          body: Buffer.concat([Buffer.alloc(8), ...vectors.slice(0, 3)]),
        });
      }
    }
  }
  return out;
}

const existsRoot = (c: RawClient): Promise<RawReply> =>
  c.request({ type: OpCode.exists, path: '/', watch: false });

void describe('bad input: undecodable records', () => {
  let server: RunningServer;
  let bystander: Bystander;
  let client: RawClient;
  const connect = (): Promise<RawClient> =>
    RawClient.connect(server.host, server.port, { timeoutMs: 10_000, replyTimeoutMs: 5_000 });

  before(async () => {
    server = await startWarren();
    bystander = await Bystander.start(server);
    client = await connect();
    const made = await client.request({
      type: OpCode.create,
      path: BASE,
      data: null,
      acl: OPEN_ACL,
      flags: 0,
      ttl: -1,
    });
    assert.equal(made.header.err, Err.ok);
  });
  after(async () => {
    client?.destroy();
    await bystander?.halt();
    await server?.stop();
  });

  void it('answers lying length prefixes and vector counts with MarshallingError', async () => {
    for (const lie of lyingBodies()) {
      const what = `op ${lie.opcode} with ${lie.what} (body ${hex(lie.body, 60)})`;
      const reply = await client.requestRaw(31, lie.opcode, lie.body);
      const ok = [Err.marshallingError, ...(lie.alsoOk ?? [])];
      assert.ok(
        ok.includes(reply.header.err),
        `${what}: got ${errName(reply.header.err)}, expected ${ok.map(errName).join(' or ')}`,
      );
      assert.equal(reply.header.xid, 31, `${what}: xid not echoed`);
      assert.equal((await existsRoot(client)).header.err, Err.ok, `${what}: connection unusable`);
    }
    assert.deepEqual(client.protocolErrors, []);
  });

  void it('answers every opcode cut at every byte with MarshallingError', async () => {
    for (const { name, request } of sampleRequests(BASE)) {
      const op = request.type as number;
      const body = encodeBody(request);
      // ZooKeeper decodes auth on the I/O thread and closes the connection when that fails;
      // Warren answers −5 in order. Reconfig: ZooKeeper answers ReconfigDisabled first.
      const alsoOk: number[] = op === OpCode.reconfig ? [Err.reconfigDisabled] : [];
      const cuts = Array.from({ length: body.length }, (_, n) => n);
      const replies = await Promise.allSettled([
        ...cuts.map((n) => client.requestRaw(1000 + n, op, body.subarray(0, n))),
        existsRoot(client),
      ]);
      const lost = replies.filter((r) => r.status === 'rejected');
      if (op === OpCode.auth && lost.length > 0 && !client.isOpen) {
        client = await connect();
        continue;
      }
      assert.deepEqual(lost, [], `${name}: requests unanswered`);
      for (const [i, r] of replies.entries()) {
        const header = (r as PromiseFulfilledResult<RawReply>).value.header;
        if (i === cuts.length) {
          assert.equal(header.err, Err.ok, `${name}: connection unusable after the cuts`);
          continue;
        }
        const what = `${name} cut to ${i} of ${body.length} bytes (${hex(body.subarray(0, i))})`;
        assert.ok(
          [Err.marshallingError, ...alsoOk].includes(header.err),
          `${what}: got ${errName(header.err)}`,
        );
      }
    }
    assert.deepEqual(client.protocolErrors, []);
  });

  void it('closes a connection whose RequestHeader is cut short; the session survives', async () => {
    const header = requestFrame(5, OpCode.exists, Buffer.alloc(0)).subarray(4);
    for (let n = 0; n < 8; n++) {
      const victim = await connect();
      const bytes = Buffer.concat([int32(n), header.subarray(0, n)]);
      victim.writeRaw(bytes);
      const closed = await Promise.race([victim.closed.then(() => true), pause(3000)]);
      assert.equal(closed, true, `header cut to ${n} bytes: not closed`);
      assert.deepEqual(victim.events, [], `header cut to ${n} bytes: answered`);
      await assertSessionSurvives(server, victim, null, `header cut to ${n}`);
    }
  });

  void it(`answers unserved opcodes with Unimplemented, closes (seed ${FUZZ_SEED})`, async () => {
    const rng = caseRng('unknown-opcodes', 0);
    const opcodes = [10, 23, 99, 108, 1000, -3, 0, 20, -10, -1, -2, 0x7fffffff, -0x80000000];
    while (opcodes.length < 24) {
      const op = rng.chance(0.5) ? rng.range(-200, 300) : rng.nextU32() | 0;
      if (!SERVED_OPCODES.has(op)) opcodes.push(op);
    }
    for (const [i, op] of opcodes.entries()) {
      const what = `opcode ${op} (${replayHint()})`;
      const victim = await connect();
      const eph = `${BASE}/eph${i}`;
      const made = await victim.request({
        type: OpCode.create,
        path: eph,
        data: null,
        acl: OPEN_ACL,
        flags: 1,
        ttl: -1,
      });
      assert.equal(made.header.err, Err.ok);
      const body = rng.bytes(rng.int(24));
      const reply = await victim.requestRaw(77, op, body);
      assert.deepEqual([reply.header.xid, reply.header.err], [77, Err.unimplemented], what);
      const closed = await Promise.race([victim.closed.then(() => true), pause(3000)]);
      assert.equal(closed, true, `${what}: connection left open after Unimplemented`);
      await assertSessionSurvives(server, victim, eph, what);
    }
  });

  void it('closes a setData frame over jute.maxbuffer, accepts one at the limit', async () => {
    const path = `${BASE}/big`;
    const made = await client.request({
      type: OpCode.create,
      path,
      data: null,
      acl: OPEN_ACL,
      flags: 0,
      ttl: -1,
    });
    assert.equal(made.header.err, Err.ok);
    // Frame body = RequestHeader 8 + path (4 + n) + data (4 + d) + version 4.
    const dataFor = (bodyBytes: number) => bodyBytes - 20 - Buffer.byteLength(path);
    const setData = (d: number) =>
      bodyOf((w) => w.writeString(path).writeBuffer(Buffer.alloc(d, 0x61)).writeInt(-1));
    const victim = await connect();
    const over = victim.requestRaw(9, OpCode.setData, setData(dataFor(JUTE_MAX_BUFFER + 1)));
    await assert.rejects(over, /closed/, 'a frame over jute.maxbuffer was not refused');
    assert.deepEqual(victim.events, [], 'a frame over jute.maxbuffer was answered');
    await assertSessionSurvives(server, victim, null, 'oversized setData');

    const fits = dataFor(JUTE_MAX_BUFFER);
    const set = await client.requestRaw(10, OpCode.setData, setData(fits));
    assert.equal(set.header.err, Err.ok, 'a frame at jute.maxbuffer was refused');
    const got = await client.request({ type: OpCode.getData, path, watch: false });
    const data = got.response?.kind === 'data' ? got.response.data : null;
    assert.equal(data?.length, fits, 'the maximal data did not read back');
    const gone = await client.request({ type: OpCode.delete, path, version: -1 });
    assert.equal(gone.header.err, Err.ok);
    assert.deepEqual(client.protocolErrors, []);
  });

  void it('left the bystander, the process and the log untouched', () =>
    assertAftermath(server, bystander));
});

/** Reattaches the dropped client's session; its ephemeral (if any) must still be there. */
async function assertSessionSurvives(
  server: RunningServer,
  old: RawClient,
  ephemeral: string | null,
  what: string,
): Promise<void> {
  const back = await RawClient.connect(server.host, server.port, {
    timeoutMs: 10_000,
    sessionId: old.sessionId,
    passwd: old.passwd,
  });
  assert.ok(back.timeOut > 0 && back.sessionId === old.sessionId, `${what}: session lost`);
  if (ephemeral !== null) {
    const seen = await back.request({ type: OpCode.exists, path: ephemeral, watch: false });
    assert.equal(seen.header.err, Err.ok, `${what}: ephemeral ${ephemeral} gone`);
  }
  await back.close();
}
