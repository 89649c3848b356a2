// Semaphore: three workers share two leases; the third waits for a lease to be returned.
// Run: node dist/examples/semaphore.js 127.0.0.1:2181
// Applications write: import { Semaphore } from 'warren/recipes';
import { Semaphore } from '../src/recipes/index.js';
import { connect, removeTree } from './lib/common.js';

const path = '/examples-semaphore';
const clients = [await connect(), await connect(), await connect()];

await Promise.all(
  clients.map(async (client, i) => {
    const semaphore = new Semaphore(client, path, 2);
    await new Promise((r) => setTimeout(r, 100 * i));
    const lease = await semaphore.acquire({ timeoutMs: 10_000 });
    const held = (await semaphore.leases()).length;
    console.log(`worker ${i} got a lease (${held} of 2 in use)`);
    await new Promise((r) => setTimeout(r, 400));
    console.log(`worker ${i} returns its lease`);
    await lease.release();
  }),
);

await removeTree(clients[0]!, path);
await Promise.all(clients.map((c) => c.close()));
console.log('semaphore done');
