// Proves DistributedQueue against Apache ZooKeeper 3.8 and Warren: items come out in the
// order they went in; with three producers and four competing consumers every item is taken
// exactly once, also when every client sits behind a proxy that cuts connections at random
// (receipts decide ambiguous offers, claims decide ambiguous takes), and an item taken while
// its offer's reply was lost is not offered again; take() waits for an
// item and honours its timeout; and a consumer whose session is forced to expire fails its
// take while the items stay for the others.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { DistributedQueue } from '../../src/recipes/index.js';
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

/** Runs producers and consumers until every item is taken; returns the items taken. */
async function exchange(
  producers: readonly ZooKeeperClient[],
  consumers: readonly ZooKeeperClient[],
  path: string,
): Promise<string[]> {
  const taken: string[] = [];
  const total = producers.length * PER_PRODUCER;
  const produce = producers.map(async (client, p) => {
    const queue = new DistributedQueue(client, path);
    for (let i = 0; i < PER_PRODUCER; i++) await queue.offer(`${p}:${i}`);
  });
  const consume = consumers.map(async (client) => {
    const queue = new DistributedQueue(client, path);
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

for (const target of TARGETS) {
  describe(`DistributedQueue against ${target}`, { skip: targetSkipReason(target) }, () => {
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

    it('keeps FIFO order, waits in take() and times out', async () => {
      const queue = new DistributedQueue(direct, '/queues/fifo');
      assert.equal(await queue.poll(), null);
      await assert.rejects(queue.take({ timeoutMs: 100 }), { code: 'WARREN_RECIPE_TIMEOUT' });
      const later = queue.take({ timeoutMs: 5_000 });
      await sleep(50);
      for (let i = 0; i < 12; i++) await queue.offer(String(i));
      assert.equal((await later).toString(), '0');
      const rest: string[] = [];
      for (let item = await queue.poll(); item !== null; item = await queue.poll()) {
        rest.push(item.toString());
      }
      assert.deepEqual(rest, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
    });

    it('gives every item to exactly one of four competing consumers', async () => {
      const producers = await connectMany(server.connectString, PRODUCERS);
      const consumers = await connectMany(server.connectString, 4);
      try {
        const taken = await exchange(producers, consumers, '/queues/a');
        assert.deepEqual(taken.sort(), expected());
        assert.deepEqual(await new DistributedQueue(direct, '/queues/a').items(), []);
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
        const taken = await exchange(clients.slice(0, PRODUCERS), clients.slice(PRODUCERS), '/q/c');
        assert.deepEqual(taken.sort(), expected());
        assert.deepEqual(await direct.getChildren('/q/c/.claims'), [], 'no claim left');
      } finally {
        done = true;
        await chaos;
        for (const p of proxied) await p.close();
      }
    });

    // The fault campaign's duplicate: the offer's reply is lost, a consumer takes the item
    // before the producer looks for it, and a producer that looked only for the item would
    // find nothing and offer it again. The receipt says the create ran.
    it('does not offer again an item taken while its reply was lost', async () => {
      const producer = await connectProxied(server.port);
      try {
        const path = '/queues/lost-reply';
        const queue = new DistributedQueue(producer.client, path);
        await queue.items(); // creates the queue
        producer.proxy.setStalled(true); // the server runs the create; its reply is held
        const offered = queue.offer('once');
        const consumer = new DistributedQueue(direct, path);
        let taken: Buffer | null = null;
        for (let i = 0; i < 100 && taken === null; i++) {
          taken = await consumer.poll();
          if (taken === null) await sleep(20);
        }
        assert.equal(taken?.toString(), 'once');
        producer.proxy.cut(); // the held reply is lost with the connection
        producer.proxy.setStalled(false);
        const itemPath = await offered;
        assert.match(itemPath, new RegExp(`^${path}/_c_[0-9a-f-]{36}-qn-`));
        assert.equal(await consumer.poll(), null, 'the item was offered twice');
        assert.deepEqual(await direct.getChildren(`${path}/.receipts`), [], 'no receipt left');
      } finally {
        await producer.close();
      }
    });

    it('a consumer whose session expires fails, and the items stay', async () => {
      const consumer = await connectProxied(server.port, { sessionTimeoutMs: SHORT_SESSION_MS });
      try {
        const queue = new DistributedQueue(consumer.client, '/queues/exp');
        const waiting = assert.rejects(queue.take(), isSessionLoss);
        await sleep(50);
        await forceExpiry(consumer, direct);
        await waiting;
        const other = new DistributedQueue(direct, '/queues/exp');
        await other.offer('x');
        assert.equal((await other.poll())?.toString(), 'x');
      } finally {
        await consumer.close();
      }
    });
  });
}
