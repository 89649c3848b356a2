// Proves PriorityQueue against Apache ZooKeeper 3.8 and Warren: items come out lowest
// priority first and FIFO within a priority (negative priorities included); with three
// producers and four competing consumers every item is taken exactly once, also when every
// client sits behind a proxy that cuts connections at random; and a consumer whose session is
// forced to expire fails its take while the items stay for the others.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { PriorityQueue, priorityOf } from '../../src/recipes/index.js';
import type { RunningServer } from '../support/server-process.js';
import { targetSkipReason, TARGETS } from '../support/targets.js';
import {
  closeAll,
  connect,
  connectMany,
  connectProxied,
  forceExpiry,
  isSessionLoss,
  randomMs,
  SHORT_SESSION_MS,
  sleep,
  startRecipeTarget,
  type ProxiedClient,
} from './support.js';

const PRODUCERS = 3;
const PER_PRODUCER = 30;

async function exchange(
  producers: readonly ZooKeeperClient[],
  consumers: readonly ZooKeeperClient[],
  path: string,
): Promise<string[]> {
  const taken: string[] = [];
  const total = producers.length * PER_PRODUCER;
  const produce = producers.map(async (client, p) => {
    const queue = new PriorityQueue(client, path);
    for (let i = 0; i < PER_PRODUCER; i++) await queue.offer(`${p}:${i}`, i % 5);
  });
  const consume = consumers.map(async (client) => {
    const queue = new PriorityQueue(client, path);
    while (taken.length < total) {
      const item = await queue.take({ timeoutMs: 300 }).catch((error: unknown) => {
        if ((error as { code?: string }).code === 'WARREN_RECIPE_TIMEOUT') return undefined;
        throw error;
      });
      if (item !== undefined) taken.push(item.toString());
    }
  });
  await Promise.all([...produce, ...consume]);
  return taken;
}

function expected(): string[] {
  const all: string[] = [];
  for (let p = 0; p < PRODUCERS; p++) for (let i = 0; i < PER_PRODUCER; i++) all.push(`${p}:${i}`);
  return all.sort();
}

describe('priorityOf', () => {
  it('reads the priority from protected and plain names', () => {
    assert.equal(priorityOf('_c_0a1b-2c3d-pq-7-0000000012'), 7);
    assert.equal(priorityOf('pq--3-0000000001'), -3);
    assert.ok(Number.isNaN(priorityOf('qn-0000000001')));
  });
});

for (const target of TARGETS) {
  describe(`PriorityQueue against ${target}`, { skip: targetSkipReason(target) }, () => {
    let server: RunningServer;
    let direct: ZooKeeperClient;
    before(async () => {
      server = await startRecipeTarget(target);
      direct = await connect(server.connectString);
    });
    after(async () => {
      await direct?.close();
      await server?.stop();
    });

    it('takes the lowest priority first, FIFO within a priority', async () => {
      const queue = new PriorityQueue(direct, '/pq/order');
      assert.equal(await queue.poll(), null);
      await assert.rejects(queue.take({ timeoutMs: 100 }), { code: 'WARREN_RECIPE_TIMEOUT' });
      const offers: [string, number][] = [
        ['c1', 5],
        ['a1', 1],
        ['c2', 5],
        ['n1', -2],
        ['a2', 1],
        ['b1', 3],
        ['a3', 1],
      ];
      for (const [item, priority] of offers) await queue.offer(item, priority);
      const out: string[] = [];
      for (let item = await queue.poll(); item !== null; item = await queue.poll()) {
        out.push(item.toString());
      }
      assert.deepEqual(out, ['n1', 'a1', 'a2', 'a3', 'b1', 'c1', 'c2']);
      await assert.rejects(queue.offer('x', 1.5), RangeError);
    });

    it('a waiting take gets an item offered later', async () => {
      const queue = new PriorityQueue(direct, '/pq/wait');
      const later = queue.take({ timeoutMs: 5_000 });
      await sleep(50);
      await queue.offer('late', 9);
      assert.equal((await later).toString(), 'late');
    });

    it('gives every item to exactly one of four competing consumers', async () => {
      const producers = await connectMany(server.connectString, PRODUCERS);
      const consumers = await connectMany(server.connectString, 4);
      try {
        const taken = await exchange(producers, consumers, '/pq/a');
        assert.deepEqual(taken.sort(), expected());
        assert.deepEqual(await new PriorityQueue(direct, '/pq/a').items(), []);
      } finally {
        await closeAll([...producers, ...consumers]);
      }
    });

    it('takes every item exactly once while connections are cut at random', async () => {
      const proxied: ProxiedClient[] = [];
      for (let i = 0; i < PRODUCERS + 4; i++) proxied.push(await connectProxied(server.port));
      let done = false;
      const chaos = (async () => {
        while (!done) {
          await sleep(10 + randomMs(40));
          proxied[randomMs(proxied.length)]!.proxy.cut();
        }
      })();
      try {
        const clients = proxied.map((p) => p.client);
        const taken = await exchange(
          clients.slice(0, PRODUCERS),
          clients.slice(PRODUCERS),
          '/pq/c',
        );
        assert.deepEqual(taken.sort(), expected());
        assert.deepEqual(await direct.getChildren('/pq/c/.claims'), [], 'no claim left');
      } finally {
        done = true;
        await chaos;
        for (const p of proxied) await p.close();
      }
    });

    it('a consumer whose session expires fails, and the items stay', async () => {
      const consumer = await connectProxied(server.port, { sessionTimeoutMs: SHORT_SESSION_MS });
      try {
        const queue = new PriorityQueue(consumer.client, '/pq/exp');
        const waiting = assert.rejects(queue.take(), isSessionLoss);
        await sleep(50);
        await forceExpiry(consumer, direct);
        await waiting;
        const other = new PriorityQueue(direct, '/pq/exp');
        await other.offer('low', 2);
        await other.offer('high', 1);
        assert.equal((await other.poll())?.toString(), 'high');
        assert.equal((await other.poll())?.toString(), 'low');
      } finally {
        await consumer.close();
      }
    });
  });
}
