/**
 * Durability under SIGKILL. Writers keep creating and updating nodes; the server is killed at
 * seeded random moments and restarted on the same data dir, several times. Every write a
 * client saw acknowledged must be there afterwards (a write in flight at the kill may or may
 * not be), and a session that had not timed out must still be alive with its ephemeral.
 * Replay a failure with WARREN_CRASH_SEED=<seed>.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Err } from '../../src/protocol/error-codes.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { Prng } from '../support/prng.js';
import { RawClient } from '../support/raw-client.js';
import { sleep } from '../support/server-process.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

const SEED = Number(process.env['WARREN_CRASH_SEED'] ?? Date.now() % 100000);
const CYCLES = Number(process.env['WARREN_CRASH_CYCLES'] ?? 5);
const WRITERS = 4;
const acl = [...OPEN_ACL_UNSAFE];

interface Acked {
  /** Paths whose create was acknowledged. */
  created: Set<string>;
  /** Highest acknowledged value per updated path. */
  values: Map<string, number>;
}

/** One writer: a loop of creates and setData with increasing values until the link drops. */
async function writer(server: RunningServer, id: number, cycle: number, acked: Acked) {
  let client: RawClient;
  try {
    client = await RawClient.connect(server.host, server.port, { timeoutMs: 30000 });
  } catch {
    return;
  }
  const counter = `/w${id}`;
  try {
    const made = await client.request({
      type: 1,
      path: counter,
      data: Buffer.from('0'),
      acl,
      flags: 0,
      ttl: -1,
    });
    if (made.header.err === Err.ok) acked.created.add(counter);
    for (let i = 1; ; i++) {
      const path = `/w${id}/c${cycle}-${i}`;
      const value = cycle * 1_000_000 + i;
      const [created, updated] = await Promise.all([
        client.request({ type: 1, path, data: Buffer.from(String(i)), acl, flags: 0, ttl: -1 }),
        client.request({ type: 5, path: counter, data: Buffer.from(String(value)), version: -1 }),
      ]);
      if (created.header.err === Err.ok) acked.created.add(path);
      if (updated.header.err === Err.ok) acked.values.set(counter, value);
    }
  } catch {
    // The server was killed: outstanding requests fail; their outcome is unknown.
  } finally {
    client.destroy();
  }
}

async function verify(server: RunningServer, acked: Acked): Promise<void> {
  const client = await RawClient.connect(server.host, server.port, { timeoutMs: 30000 });
  try {
    for (const path of acked.created) {
      const reply = await client.request({ type: 3, path, watch: false });
      assert.equal(
        reply.header.err,
        Err.ok,
        `acknowledged create of ${path} was lost (seed ${SEED})`,
      );
    }
    for (const [path, value] of acked.values) {
      const reply = await client.request({ type: 4, path, watch: false });
      assert.equal(reply.header.err, Err.ok);
      const data = reply.response?.kind === 'data' ? reply.response.data : null;
      const stored = Number(data?.toString() ?? '-1');
      assert.ok(stored >= value, `${path} holds ${stored}, acknowledged ${value} (seed ${SEED})`);
    }
  } finally {
    await client.close();
  }
}

describe('crash: SIGKILL at random moments', () => {
  it(`keeps every acknowledged write and live sessions (seed ${SEED})`, async () => {
    const prng = new Prng(SEED);
    let server = await startWarren({ keepDataDir: true });
    const { dataDir, port } = server;
    const acked: Acked = { created: new Set(), values: new Map() };
    const owner = await RawClient.connect(server.host, server.port, { timeoutMs: 30000 });
    const sessionId = owner.sessionId;
    const passwd = owner.passwd;
    const eph = await owner.request({
      type: 1,
      path: '/owner-eph',
      data: null,
      acl,
      flags: 1,
      ttl: -1,
    });
    assert.equal(eph.header.err, Err.ok);
    owner.destroy();
    try {
      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        const writers = Array.from({ length: WRITERS }, (_, id) =>
          writer(server, id, cycle, acked),
        );
        await sleep(150 + prng.int(600));
        await server.kill('SIGKILL');
        await Promise.all(writers);
        server = await startWarren({ dataDir, port, keepDataDir: true });
        await verify(server, acked);
        const back = await RawClient.connect(server.host, server.port, {
          timeoutMs: 30000,
          sessionId,
          passwd,
        });
        assert.ok(back.timeOut > 0, `session expired across restart ${cycle} (seed ${SEED})`);
        const stillThere = await back.request({ type: 3, path: '/owner-eph', watch: false });
        assert.equal(stillThere.header.err, Err.ok, 'the live session lost its ephemeral');
        back.destroy();
      }
      assert.ok(acked.created.size > CYCLES * WRITERS, 'the writers made progress');
    } finally {
      await server.stop();
    }
  });
});
