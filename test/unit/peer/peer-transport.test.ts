/**
 * The server-to-server transport on 127.0.0.1: three servers exchange messages in order; a
 * 5 MiB payload travels chunked; a sender reconnects to a receiver restarted on the same port
 * and delivers what it queued meanwhile; the queue cap drops and counts; hostile inbound
 * connections (bad handshakes, oversized lengths, garbage, protocol breaches) are closed with
 * a warning naming their address while good peers carry on; membership changes at run time;
 * and close() leaves no sockets or timers behind.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { PeerTransport, type PeerAddress } from '../../../src/peer/peer-transport.js';
import { encodeHandshake, peerMagic } from '../../../src/peer/peer-frames.js';
import { PeerOutbox } from '../../../src/peer/peer-outbox.js';
import { PeerProtocolError, PeerReassembler } from '../../../src/peer/peer-reassembly.js';
import { FrameDecoder } from '../../../src/protocol/frame-decoder.js';
import { peerFrameBytesMax } from '../../../src/util/limits.js';

const host = '127.0.0.1';

interface Received {
  from: number;
  payload: Buffer;
}

interface Node {
  id: number;
  transport: PeerTransport;
  address: PeerAddress;
  inbox: Received[];
  logs: string[];
  unreachable: number[];
}

const everyTransport: PeerTransport[] = [];
after(async () => {
  await Promise.all(everyTransport.map((t) => t.close()));
});

async function startNode(
  id: number,
  options: { port?: number; queueBytesMax?: number; messageBytesMax?: number } = {},
): Promise<Node> {
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const inbox: Received[] = [];
  const unreachable: number[] = [];
  const transport = new PeerTransport({
    selfId: id,
    listenHost: host,
    listenPort: options.port ?? 0,
    peers: [],
    logger,
    onMessage: (from, payload) => inbox.push({ from, payload: Buffer.from(payload) }),
    onUnreachable: (peer) => unreachable.push(peer),
    ...(options.queueBytesMax === undefined ? {} : { queueBytesMax: options.queueBytesMax }),
    ...(options.messageBytesMax === undefined ? {} : { messageBytesMax: options.messageBytesMax }),
  });
  everyTransport.push(transport);
  const bound = await transport.start();
  return { id, transport, address: { id, host, port: bound.port }, inbox, logs, unreachable };
}

async function cluster(size: number): Promise<Node[]> {
  const nodes: Node[] = [];
  for (let id = 1; id <= size; id++) nodes.push(await startNode(id));
  for (const node of nodes) node.transport.setPeers(nodes.map((n) => n.address));
  return nodes;
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function texts(node: Node, from: number): string[] {
  return node.inbox.filter((r) => r.from === from).map((r) => r.payload.toString());
}

/** A raw connection to `port`; resolves when the server closes it. */
async function rawConnection(port: number, bytes: Buffer): Promise<string> {
  const socket = net.createConnection({ host, port });
  socket.on('data', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const local = `${socket.localAddress ?? ''}:${socket.localPort ?? 0}`;
  socket.on('error', () => undefined);
  socket.write(bytes);
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return local;
}

function lengthOnly(length: number): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(length);
  return prefix;
}

function frame(body: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(body.length);
  return Buffer.concat([prefix, body]);
}

void describe('peer transport', () => {
  test('three servers exchange messages in order', async () => {
    const nodes = await cluster(3);
    const perPair = 500;
    for (let i = 0; i < perPair; i++) {
      for (const from of nodes) {
        for (const to of nodes) {
          if (from !== to) assert.ok(from.transport.send(to.id, Buffer.from(`${from.id}:${i}`)));
        }
      }
    }
    await waitFor('all messages', () => nodes.every((n) => n.inbox.length === 2 * perPair));
    for (const to of nodes) {
      for (const from of nodes) {
        if (from === to) continue;
        const want = Array.from({ length: perPair }, (_, i) => `${from.id}:${i}`);
        assert.deepStrictEqual(texts(to, from.id), want);
        const stats = to.transport.stats().get(from.id);
        assert.equal(stats?.received, perPair);
        assert.equal(from.transport.stats().get(to.id)?.sent, perPair);
        assert.equal(from.transport.stats().get(to.id)?.dropped, 0);
        assert.ok(from.transport.isConnected(to.id));
      }
    }
    await Promise.all(nodes.map((n) => n.transport.close()));
  });

  test('a 5 MiB payload travels chunked, in order with small ones', async () => {
    const [a, b] = await cluster(2);
    assert.ok(a !== undefined && b !== undefined);
    const big = randomBytes(5 * 1024 * 1024 + 123);
    assert.ok(a.transport.send(b.id, Buffer.from('before')));
    assert.ok(a.transport.send(b.id, big));
    assert.ok(a.transport.send(b.id, Buffer.from('after')));
    assert.ok(a.transport.send(b.id, Buffer.alloc(0)));
    await waitFor('the big payload', () => b.inbox.length === 4, 20_000);
    assert.equal(b.inbox[0]?.payload.toString(), 'before');
    assert.ok(b.inbox[1]?.payload.equals(big));
    assert.equal(b.inbox[2]?.payload.toString(), 'after');
    assert.equal(b.inbox[3]?.payload.length, 0);
    await Promise.all([a.transport.close(), b.transport.close()]);
  });

  test('reconnects to a receiver restarted on the same port', async () => {
    const [a, b] = await cluster(2);
    assert.ok(a !== undefined && b !== undefined);
    a.transport.send(b.id, Buffer.from('first'));
    await waitFor('first', () => b.inbox.length === 1);
    await b.transport.close();
    await waitFor('the drop to be seen', () => !a.transport.isConnected(b.id));
    await waitFor('onUnreachable', () => a.unreachable.includes(b.id));
    for (let i = 0; i < 3; i++) assert.ok(a.transport.send(b.id, Buffer.from(`queued-${i}`)));
    assert.ok((a.transport.stats().get(b.id)?.queuedBytes ?? 0) > 0);
    const b2 = await startNode(b.id, { port: b.address.port });
    b2.transport.setPeers([a.address]);
    await waitFor('queued messages', () => b2.inbox.length === 3);
    assert.deepStrictEqual(texts(b2, a.id), ['queued-0', 'queued-1', 'queued-2']);
    assert.ok(a.transport.isConnected(b.id));
    assert.equal(a.transport.stats().get(b.id)?.queuedBytes, 0);
    await Promise.all([a.transport.close(), b2.transport.close()]);
  });

  test('the queue cap drops and counts while the peer is away', async () => {
    const a = await startNode(1, { queueBytesMax: 1000, messageBytesMax: 5000 });
    const away = net.createServer();
    await new Promise<void>((resolve) => away.listen(0, host, resolve));
    const port = (away.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => away.close(() => resolve()));
    a.transport.setPeers([{ id: 2, host, port }]);
    let accepted = 0;
    for (let i = 0; i < 25; i++) if (a.transport.send(2, Buffer.alloc(100))) accepted++;
    assert.equal(accepted, 10);
    assert.equal(a.transport.send(2, Buffer.alloc(6000)), false, 'over messageBytesMax');
    assert.equal(a.transport.send(99, Buffer.alloc(1)), false, 'unknown peer');
    const stats = a.transport.stats().get(2);
    assert.deepStrictEqual(stats, {
      connected: false,
      queuedBytes: 1000,
      sent: 0,
      received: 0,
      dropped: 16,
    });
    await waitFor('onUnreachable', () => a.unreachable.includes(2));
    await a.transport.close();
    assert.equal(a.transport.send(2, Buffer.alloc(1)), false, 'closed');
  });

  test('hostile inbound connections are closed; good peers carry on', async () => {
    const [a, b] = await cluster(2);
    assert.ok(a !== undefined && b !== undefined);
    const port = b.address.port;
    const wrongMagic = encodeHandshake(a.id, b.id);
    wrongMagic.write('XXXXXXX', 4, 'latin1');
    const wrongVersion = encodeHandshake(a.id, b.id);
    wrongVersion[4 + peerMagic.length] = 9;
    const good = encodeHandshake(a.id, b.id);
    const cases: [string, Buffer, string][] = [
      ['wrong magic', wrongMagic, 'bad magic'],
      ['wrong version', wrongVersion, 'protocol version 9'],
      ['wrong toId', encodeHandshake(a.id, 7), 'not 2'],
      ['unknown fromId', encodeHandshake(42, b.id), 'unknown server 42'],
      ['garbage', randomBytes(64), 'closing peer connection'],
      ['oversized length', Buffer.concat([good, lengthOnly(peerFrameBytesMax + 1)]), 'over'],
      ['negative length', Buffer.concat([good, lengthOnly(0xfffffff0)]), 'over'],
      ['chunk without start', Buffer.concat([good, frame(Buffer.from([3, 1, 2]))]), 'start'],
      ['unknown frame kind', Buffer.concat([good, frame(Buffer.from([9]))]), 'kind 9'],
      [
        'new message inside a chunked one',
        Buffer.concat([good, frame(Buffer.from([2, 0, 0, 0, 9, 1])), frame(Buffer.from([1]))]),
        'unfinished',
      ],
      [
        'chunks longer than announced',
        Buffer.concat([good, frame(Buffer.from([2, 0, 0, 0, 1, 1, 2]))]),
        'announced',
      ],
    ];
    for (const [name, bytes, reason] of cases) {
      const local = await rawConnection(port, bytes);
      const warning = b.logs.find((l) => l.includes(`from ${local}`));
      assert.ok(warning !== undefined, `${name}: no warning naming ${local}`);
      assert.ok(warning.includes(reason), `${name}: ${warning}`);
      assert.ok(warning.includes('"level":40'), `${name}: not a warning`);
    }
    // Messages before a protocol breach are delivered; the good link is untouched.
    assert.equal(b.inbox.length, 0);
    for (let i = 0; i < 10; i++) a.transport.send(b.id, Buffer.from(`ok-${i}`));
    await waitFor('good messages', () => b.inbox.length === 10);
    assert.deepStrictEqual(
      texts(b, a.id),
      Array.from({ length: 10 }, (_, i) => `ok-${i}`),
    );
    await Promise.all([a.transport.close(), b.transport.close()]);
  });

  test('setPeers adds and removes peers at run time', async () => {
    const a = await startNode(1);
    const b = await startNode(2);
    const c = await startNode(3);
    a.transport.setPeers([b.address]);
    b.transport.setPeers([a.address, c.address]);
    c.transport.setPeers([a.address, b.address]);
    assert.equal(a.transport.send(c.id, Buffer.from('no')), false, 'c is not a peer yet');
    a.transport.send(b.id, Buffer.from('to-b'));
    await waitFor('b', () => b.inbox.length === 1);
    a.transport.setPeers([a.address, b.address, c.address]);
    assert.ok(a.transport.send(c.id, Buffer.from('to-c')));
    await waitFor('c', () => c.inbox.length === 1);
    assert.deepStrictEqual(texts(c, a.id), ['to-c']);
    c.transport.send(a.id, Buffer.from('from-c'));
    await waitFor('c to a', () => a.inbox.length === 1);

    a.transport.setPeers([c.address]);
    assert.deepStrictEqual([...a.transport.stats().keys()], [c.id]);
    assert.equal(a.transport.send(b.id, Buffer.from('gone')), false);
    assert.equal(a.transport.isConnected(b.id), false);
    // b still dials a, but a no longer knows b: its handshake is refused.
    b.transport.send(a.id, Buffer.from('from-b'));
    await waitFor('refusal', () => a.logs.some((l) => l.includes('unknown server 2')));
    assert.deepStrictEqual(texts(a, b.id), []);
    c.transport.send(a.id, Buffer.from('still'));
    await waitFor('c still reaches a', () => a.inbox.length === 2);
    await Promise.all([a, b, c].map((n) => n.transport.close()));
  });

  test('close() leaves no sockets or timers', async () => {
    const [a, b] = await cluster(2);
    assert.ok(a !== undefined && b !== undefined);
    a.transport.setPeers([b.address, { id: 9, host, port: 1 }]);
    a.transport.send(b.id, Buffer.from('x'));
    a.transport.send(9, Buffer.from('x'));
    await waitFor('x', () => b.inbox.length === 1);
    await waitFor('9 unreachable', () => a.unreachable.includes(9));
    await Promise.all([a.transport.close(), b.transport.close()]);
    // Handles leave the list a loop turn or two after they close; a live timer never would.
    const leftovers = (): string[] =>
      process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r.startsWith('TCP'));
    await waitFor(`no leftovers (${leftovers().join()})`, () => leftovers().length === 0, 3000);
  });
});

/** Cuts the frames of `parts` back into bodies, as the receiver does. */
function bodiesOf(parts: Buffer[]): Buffer[] {
  return new FrameDecoder(1 << 20).push(Buffer.concat(parts));
}

void describe('peer outbox and reassembly', () => {
  test('small payloads taken together become one buffer (one write)', () => {
    const outbox = new PeerOutbox(1024, 1 << 20);
    for (let i = 0; i < 100; i++) assert.ok(outbox.offer(Buffer.from(`m${i}`), false));
    const { parts, completed } = outbox.take(1 << 20);
    assert.equal(parts.length, 1);
    assert.equal(completed, 100);
    assert.ok(outbox.isEmpty);
    assert.equal(outbox.queuedBytes, 0);
    const reassembler = new PeerReassembler(1 << 20);
    const got = bodiesOf(parts).map((body) => reassembler.push(body)?.toString());
    assert.deepStrictEqual(
      got,
      Array.from({ length: 100 }, (_, i) => `m${i}`),
    );
  });

  test('a large payload is chunked, taken in budgets, and joined again', () => {
    const outbox = new PeerOutbox(100, 1 << 20);
    const payload = randomBytes(1050);
    assert.ok(outbox.offer(payload, false));
    assert.ok(outbox.offer(Buffer.from('next'), false));
    const reassembler = new PeerReassembler(2000);
    const delivered: Buffer[] = [];
    while (!outbox.isEmpty) {
      for (const body of bodiesOf(outbox.take(250).parts)) {
        const whole = reassembler.push(body);
        if (whole !== null) delivered.push(whole);
      }
    }
    assert.equal(delivered.length, 2);
    assert.ok(delivered[0]?.equals(payload));
    assert.equal(delivered[1]?.toString(), 'next');
  });

  test('a payload half taken on a dead connection starts over', () => {
    const outbox = new PeerOutbox(100, 1 << 20);
    const payload = randomBytes(500);
    outbox.offer(payload, false);
    outbox.take(150);
    outbox.restartPartial();
    assert.equal(outbox.queuedBytes, 500);
    const reassembler = new PeerReassembler(1000);
    let whole: Buffer | null = null;
    for (const body of bodiesOf(outbox.take(1 << 20).parts)) whole = reassembler.push(body);
    assert.ok(whole?.equals(payload));
  });

  test('the cap refuses, except one oversized payload on an empty queue when allowed', () => {
    const outbox = new PeerOutbox(100, 300);
    assert.equal(outbox.offer(Buffer.alloc(400), false), false);
    assert.ok(outbox.offer(Buffer.alloc(400), true));
    assert.equal(outbox.offer(Buffer.alloc(1), true), false);
    outbox.take(1 << 20);
    assert.ok(outbox.offer(Buffer.alloc(300), false));
    assert.equal(outbox.offer(Buffer.alloc(1), false), false);
  });

  test('the reassembler refuses totals over its cap before buffering anything', () => {
    const reassembler = new PeerReassembler(10);
    assert.throws(
      () => reassembler.push(Buffer.from([2, 0xff, 0xff, 0xff, 0xff, 1])),
      PeerProtocolError,
    );
    assert.throws(() => reassembler.push(Buffer.alloc(12, 1)), PeerProtocolError);
    assert.throws(() => reassembler.push(Buffer.alloc(0)), PeerProtocolError);
    assert.equal(reassembler.bufferedBytes, 0);
  });
});
