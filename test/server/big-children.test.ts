/**
 * A big getChildren on a real process (issue 10): the child list of a parent with 500k
 * children is encoded a slice per event-loop turn (server/children-replies.ts), so another
 * client's exists('/') keeps being answered while three clients list it round after round;
 * and the order clients rely on holds: replies in request order, and a watch event fired by
 * a write applied while the reply is being built comes after that reply.
 *
 * What is bounded is the CPU the server's event loop spends while an exists('/') waits
 * (busiest-probe.ts), not the round trip: on this shared 2-core machine at load 5-9 any
 * process may wait 100-300 ms for a core. The listers read their replies on bare sockets
 * (bare-session.ts): decoding 500k names here would hold up the probe's own loop.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Err } from '../../src/protocol/error-codes.js';
import { EventType, OpCode } from '../../src/protocol/opcodes.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { BareSession } from '../support/bare-session.js';
import { RawClient } from '../support/raw-client.js';
import { busiestProbe } from '../support/busiest-probe.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

const acl = [...OPEN_ACL_UNSAFE];
const childCount = 500_000;
const nameLength = 40;
const name = (i: number) => `n${String(i).padStart(nameLength - 1, '0')}`;
/** A getChildren reply's body: header, then a vector of `n` names of `nameLength` chars. */
const replyBytes = (n: number) => 16 + 4 + n * (4 + nameLength);
const big = { timeoutMs: 60_000, frameBytesMax: 64 * 1024 * 1024 };

async function fill(client: RawClient): Promise<void> {
  const created = await client.request({
    type: OpCode.create,
    path: '/big',
    data: null,
    acl,
    flags: 0,
    ttl: -1,
  });
  assert.equal(created.header.err, Err.ok);
  const inFlight: Promise<unknown>[] = [];
  for (let base = 0; base < childCount; base += 1000) {
    const ops = Array.from({ length: 1000 }, (_, i) => {
      const path = `/big/${name(base + i)}`;
      return { type: OpCode.create, path, data: null, acl, flags: 0, ttl: -1 } as const;
    });
    inFlight.push(client.request({ type: OpCode.multi, ops }));
    if (inFlight.length >= 16) await inFlight.shift();
  }
  await Promise.all(inFlight);
  client.events.length = 0;
}

describe('a big getChildren', () => {
  let server: RunningServer;
  let writer: RawClient;
  before(async () => {
    // The list is 22 MB: replies over jute.maxbuffer are not sent (connection.ts).
    server = await startWarren({ config: { 'jute.maxbuffer': String(64 * 1024 * 1024) } });
    writer = await RawClient.connect(server.host, server.port, big);
    await fill(writer);
  });
  after(async () => {
    await writer?.close();
    await server?.stop();
  });

  const create = (path: string) =>
    writer.request({ type: OpCode.create, path, data: null, acl, flags: 0, ttl: -1 });
  const list = { type: OpCode.getChildren, path: '/big', watch: false } as const;

  it('keeps other clients answered while three clients list 500k children', async (t) => {
    const listers = await Promise.all([0, 1, 2].map(() => BareSession.open(server)));
    const probe = await RawClient.connect(server.host, server.port, { timeoutMs: 30_000 });
    const rounds = 4;
    const listing = (async () => {
      const bytes: number[][] = [];
      for (let i = 0; i < rounds; i++) {
        // A child more each round: the list is copied and encoded anew.
        assert.equal((await create(`/big/x${i}`)).header.err, Err.ok);
        const replies = await Promise.all(listers.map((lister) => lister.request(list)));
        bytes.push(replies.map((reply) => reply.bytes));
      }
      return bytes;
    })();
    const { slowestMs, busiestCpuMs, requests } = await busiestProbe(probe, server.pid, listing);
    // 'x0', 'x1', ... are shorter than the other names.
    const expected = (i: number) => replyBytes(childCount + i + 1) - (nameLength - 2) * (i + 1);
    assert.deepEqual(
      await listing,
      Array.from({ length: rounds }, (_, i) => [expected(i), expected(i), expected(i)]),
    );
    t.diagnostic(
      `${requests} exists('/'): slowest ${slowestMs.toFixed(1)} ms, ${busiestCpuMs} ms CPU`,
    );
    // Encoded in one go, the three in the turn they arrived: 240-340 ms of the loop's CPU
    // (550-900 ms of waiting at load 7); built a slice a turn, once for the three: 10-20 ms.
    assert.ok(requests >= 20, `only ${requests} exists('/') ran meanwhile`);
    assert.ok(busiestCpuMs < 100, `the server worked ${busiestCpuMs} ms before answering`);
    for (const lister of listers) lister.close();
    await probe.close();
  });

  it('delivers a watch event fired while the list is built after the list', async () => {
    const watcher = await BareSession.open(server);
    const rounds = 4;
    let during = 0;
    for (let i = 0; i < rounds; i++) {
      const from = watcher.frames.length;
      const listed = watcher.request({ ...list, watch: true });
      // Most likely the server has taken the listing by the time this is answered.
      await writer.request({ type: OpCode.exists, path: '/', watch: false });
      const created = await create(`/big/w${i}`);
      const createdAt = performance.now();
      assert.equal(created.header.err, Err.ok);
      const reply = await listed;
      if (reply.zxid >= created.header.zxid) {
        // Listed after the create: the watch, set after it, does not fire.
        const removal = { type: OpCode.removeWatches, path: '/big', watcherType: 1 } as const;
        await watcher.request(removal);
        continue;
      }
      // The event is written before any later reply: after this one it is here.
      const after = await watcher.request({ type: OpCode.exists, path: '/', watch: false });
      const order = watcher.frames
        .slice(from)
        .map((f) => (f.event === null ? f.xid : `${f.event.type} ${f.event.path}`));
      assert.deepEqual(order, [reply.xid, `${EventType.nodeChildrenChanged} /big`, after.xid]);
      // The write was applied (and answered) before the list began to leave.
      if (createdAt < reply.firstByteAt) during++;
    }
    assert.ok(during >= 1, `the write came while the list was built in ${during} of ${rounds}`);
    watcher.close();
  });

  it('answers requests pipelined behind a big getChildren in order', async () => {
    const client = await RawClient.connect(server.host, server.port, big);
    const path = '/big/p';
    const [first, created, exists, second, deleted, third] = await Promise.all([
      client.request(list),
      client.request({ type: OpCode.create, path, data: null, acl, flags: 0, ttl: -1 }),
      client.request({ type: OpCode.exists, path, watch: false }),
      client.request({ ...list, type: OpCode.getChildren2 }),
      client.request({ type: OpCode.delete, path, version: -1 }),
      client.request(list),
    ]);
    assert.deepEqual(client.protocolErrors, [], 'replies in request order');
    assert.ok(first?.response?.kind === 'children');
    const before = first.response.children.length;
    assert.ok(before > childCount && !first.response.children.includes('p'));
    assert.equal(created?.header.err, Err.ok);
    assert.equal(exists?.header.err, Err.ok);
    assert.ok(second?.response?.kind === 'children2');
    assert.equal(second.response.children.length, before + 1);
    assert.equal(second.response.stat.numChildren, before + 1);
    assert.ok(second.response.children.includes('p'));
    assert.equal(deleted?.header.err, Err.ok);
    assert.ok(third?.response?.kind === 'children');
    assert.equal(third.response.children.length, before);
    await client.close();
  });
});
