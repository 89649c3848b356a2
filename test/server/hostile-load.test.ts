/**
 * Hostile load on a real process (issue 10): requests that are cheap to send but costly to
 * serve are refused or bounded, and an unrelated client keeps being answered promptly.
 * Each case measures the other client's latency while the hostile one works.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Err } from '../../src/protocol/error-codes.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { fourLetter } from '../support/four-letter.js';
import { RawClient } from '../support/raw-client.js';
import { slowestProbe } from '../support/slowest-probe.js';
import { sleep } from '../support/server-process.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

const acl = [...OPEN_ACL_UNSAFE];

describe('hostile load', () => {
  let server: RunningServer;
  before(async () => {
    server = await startWarren({ config: { '4lw.commands.whitelist': '*' } });
  });
  after(async () => server.stop());

  it('refuses paths past warren.pathBytesMax quickly, without stalling others', async () => {
    // V8 hashes strings longer than 16,383 characters by their length alone: every create
    // under this parent would collide with every other one in the tree's maps.
    const parent = '/' + 'p'.repeat(16_399);
    const hostile = await RawClient.connect(server.host, server.port, { timeoutMs: 30_000 });
    const probe = await RawClient.connect(server.host, server.port, { timeoutMs: 30_000 });
    const create = (path: string) =>
      hostile.request({ type: OpCode.create, path, data: null, acl, flags: 0, ttl: -1 });
    assert.equal((await create(parent)).header.err, Err.badArguments);
    const started = performance.now();
    const creates = Promise.all(
      Array.from({ length: 1500 }, (_, i) => create(`${parent}/${String(i).padStart(6, '0')}`)),
    );
    const slowest = await slowestProbe(probe, creates);
    const elapsed = performance.now() - started;
    for (const reply of await creates) assert.equal(reply.header.err, Err.badArguments);
    assert.ok(elapsed < 3000, `1,500 refused creates took ${Math.round(elapsed)} ms`);
    assert.ok(slowest < 500, `exists('/') took up to ${Math.round(slowest)} ms meanwhile`);
    // Reads, watches and multi sub-operations are held to the same cap.
    const long = '/' + 'q'.repeat(5000);
    const read = await hostile.request({ type: OpCode.getChildren2, path: long, watch: true });
    assert.equal(read.header.err, Err.badArguments);
    const watch = await hostile.request({ type: OpCode.addWatch, path: long, mode: 1 });
    assert.equal(watch.header.err, Err.badArguments);
    const multi = await hostile.request({
      type: OpCode.multi,
      ops: [{ type: OpCode.create, path: long, data: null, acl, flags: 0, ttl: -1 }],
    });
    // As ZooKeeper answers a multi: the reply is ok, the failing operation says why.
    assert.equal(multi.response?.kind, 'multi');
    assert.equal(multi.response.results[0]?.err, Err.badArguments);
    const fits = '/' + 'r'.repeat(4000);
    assert.equal((await create(fits)).header.err, Err.ok);
    await hostile.close();
    await probe.close();
  });
});

/** Opens sessions from `localAddress` until one is refused; the ones that got in. */
async function sessionsUntilRefused(
  server: RunningServer,
  localAddress: string,
  max: number,
): Promise<RawClient[]> {
  const open: RawClient[] = [];
  for (let i = 0; i < max; i++) {
    try {
      const options = { timeoutMs: 30_000, localAddress, connectTimeoutMs: 3000 };
      open.push(await RawClient.connect(server.host, server.port, options));
    } catch {
      break;
    }
  }
  return open;
}

describe('sessions per client address', () => {
  let server: RunningServer;
  before(async () => {
    server = await startWarren({
      config: {
        'warren.sessionsPerAddressMax': '20',
        'warren.sessionCreateRatePerAddress': '1000',
        maxClientCnxns: '0',
      },
    });
  });
  after(async () => server.stop());

  it('refuses an address past its live sessions, and only that address', async () => {
    const greedy = await sessionsUntilRefused(server, '127.0.0.2', 100);
    assert.equal(greedy.length, 20, 'sessions from one address are capped');
    const other = await RawClient.connect(server.host, server.port, {
      timeoutMs: 30_000,
      localAddress: '127.0.0.3',
    });
    assert.ok(other.timeOut > 0, 'another address still gets a session');
    // A closed session frees its place.
    await greedy.pop()?.close();
    const again = await sessionsUntilRefused(server, '127.0.0.2', 5);
    assert.equal(again.length, 1);
    const refusals = readFileSync(server.logFile, 'utf8').match(/sessions from this address/g);
    assert.equal(refusals?.length, 1, 'one log line per address per interval');
    for (const client of [...greedy, ...again, other]) await client.close();
  });
});

describe('session creation rate per client address', () => {
  let server: RunningServer;
  before(async () => {
    server = await startWarren({
      config: { 'warren.sessionCreateRatePerAddress': '10', maxClientCnxns: '0' },
    });
  });
  after(async () => server.stop());

  it('refuses an address creating sessions too fast, while others connect', async () => {
    // 10 a second with a burst of 10: the 11th at once is refused.
    const burst = await sessionsUntilRefused(server, '127.0.0.4', 50);
    assert.ok(burst.length >= 10 && burst.length <= 12, `${burst.length} sessions got in`);
    const other = await RawClient.connect(server.host, server.port, {
      timeoutMs: 30_000,
      localAddress: '127.0.0.5',
    });
    assert.ok(other.timeOut > 0, 'another address still gets a session');
    await sleep(1100); // the bucket refills
    const later = await sessionsUntilRefused(server, '127.0.0.4', 5);
    assert.equal(later.length, 5);
    for (const client of [...burst, ...later, other]) await client.close();
  });
});

/** exists(watch) on /w/<prefix>-0, -1, ... until one is refused; how many were accepted. */
async function watchUntilRefused(client: RawClient, prefix: string, max: number) {
  for (let i = 0; i < max; i++) {
    const path = `/w/${prefix}-${i}`;
    const reply = await client.request({ type: OpCode.exists, path, watch: true });
    if (reply.header.err !== Err.noNode) {
      assert.equal(reply.header.err, Err.throttledOp);
      return i;
    }
  }
  return max;
}

function mntrValue(text: string, key: string): number {
  return Number(new RegExp(`^zk_${key}\t(\\d+)$`, 'm').exec(text)?.[1] ?? 'NaN');
}

describe('the global watch budget', () => {
  let server: RunningServer;
  before(async () => {
    server = await startWarren({
      config: { 'warren.watchBytesMax': '65536', '4lw.commands.whitelist': '*' },
    });
  });
  after(async () => server.stop());

  it('refuses watches past warren.watchBytesMax for everyone, and frees them', async () => {
    const options = { timeoutMs: 30_000 };
    const first = await RawClient.connect(server.host, server.port, options);
    const second = await RawClient.connect(server.host, server.port, options);
    const accepted = await watchUntilRefused(first, 'a', 5000);
    assert.ok(accepted > 50 && accepted < 1000, `${accepted} watches fit 64 KiB`);
    assert.equal(await watchUntilRefused(second, 'b', 10), 0, 'the budget is global');
    const mntr = await fourLetter(server.host, server.port, 'mntr');
    assert.equal(mntrValue(mntr, 'watch_count'), accepted);
    assert.ok(mntrValue(mntr, 'warren_watch_bytes') <= 65536);
    assert.equal(mntrValue(mntr, 'warren_watches_refused'), 2);
    await first.close(); // its watches go with it
    assert.equal(await watchUntilRefused(second, 'c', 10), 10);
    await second.close();
  });
});

/** A four-letter word over its own connection, timed. */
async function timedFourLetter(server: RunningServer, word: string) {
  const started = performance.now();
  const text = await fourLetter(server.host, server.port, word, 30_000);
  return { text, ms: performance.now() - started };
}

describe('expensive answers', () => {
  let server: RunningServer;
  before(async () => {
    server = await startWarren({ config: { '4lw.commands.whitelist': '*' } });
  });
  after(async () => server.stop());

  it('four-letter words over 200k watches stop at 40 ms and jute.maxbuffer, saying so', async () => {
    const watchers = await Promise.all(
      [0, 1, 2, 3].map(() => RawClient.connect(server.host, server.port, { timeoutMs: 60_000 })),
    );
    await Promise.all(
      watchers.map((client, c) =>
        Promise.all(
          Array.from({ length: 50_000 }, (_, i) =>
            client.request({ type: OpCode.exists, path: `/w/${c}-${i}`, watch: true }),
          ),
        ),
      ),
    );
    const probe = await RawClient.connect(server.host, server.port, { timeoutMs: 30_000 });
    for (const word of ['wchp', 'wchc']) {
      const answer = timedFourLetter(server, word);
      const slowest = await slowestProbe(probe, answer);
      const { text, ms } = await answer;
      const bytes = Buffer.byteLength(text);
      assert.ok(bytes <= 0xfffff, `${word} sent ${bytes} bytes in ${Math.round(ms)} ms`);
      assert.match(
        text,
        /\n\.\.\. output truncated (at 1048575 bytes \(jute\.maxbuffer\)|after 40 ms .*)\n$/,
      );
      assert.ok(slowest < 150, `exists('/') took up to ${Math.round(slowest)} ms during ${word}`);
    }
    for (const client of [...watchers, probe]) await client.close();
  });

  it('never sends a reply over jute.maxbuffer: the connection closes, the session lives on', async () => {
    const writer = await RawClient.connect(server.host, server.port, { timeoutMs: 30_000 });
    const name = (i: number) => `${String(i).padStart(5, '0')}-${'n'.repeat(200)}`;
    const create = (path: string, data: Buffer | null = null) =>
      writer.request({ type: OpCode.create, path, data, acl, flags: 0, ttl: -1 });
    await create('/wide');
    // 6000 names of 206 characters: a 1.26 MB list, over the default jute.maxbuffer of 1 MiB.
    await Promise.all(Array.from({ length: 6000 }, (_, i) => create(`/wide/${name(i)}`)));
    // 600 KiB of data twice: each getData fits, a multiRead of both does not.
    await create('/half', Buffer.alloc(600 * 1024, 1));
    const getHalf = { type: OpCode.getData, path: '/half', watch: false } as const;
    // A client that raised its own jute.maxbuffer, and would read what ZooKeeper 3.9.5 sends.
    const options = { timeoutMs: 30_000, frameBytesMax: 4 * 1024 * 1024 };
    let reader = await RawClient.connect(server.host, server.port, options);
    const refusals: [string, (client: RawClient) => Promise<unknown>][] = [
      [
        'getChildren2',
        (c) => c.request({ type: OpCode.getChildren2, path: '/wide', watch: false }),
      ],
      ['multiRead', (c) => c.request({ type: OpCode.multiRead, ops: [getHalf, getHalf] })],
    ];
    for (const [what, refused] of refusals) {
      const { sessionId, passwd } = reader;
      await assert.rejects(refused(reader), /connection closed before the reply/, what);
      await reader.closed;
      // The session is still there: the same client comes back and reads what fits.
      reader = await RawClient.connect(server.host, server.port, { ...options, sessionId, passwd });
      assert.equal(reader.sessionId, sessionId);
      const half = await reader.request(getHalf);
      assert.equal(half.response?.kind === 'data' && half.response.data?.length, 600 * 1024);
    }
    const log = readFileSync(server.logFile, 'utf8');
    assert.match(log, /a reply is longer than jute\.maxbuffer: closing the connection/);
    const words = await fourLetter(server.host, server.port, 'mntr');
    assert.match(words, /zk_warren_oversized_replies\t2\n/);
    await reader.close();
    await writer.close();
  });
});
