// DoubleBarrier: three members start together and finish together.
// Run: node dist/examples/double-barrier.js 127.0.0.1:2181
// Applications write: import { DoubleBarrier } from 'warren/recipes';
import { DoubleBarrier } from '../src/recipes/index.js';
import { connect, removeTree } from './lib/common.js';

const path = '/examples-double-barrier';
const clients = [await connect(), await connect(), await connect()];

await Promise.all(
  clients.map(async (client, i) => {
    const barrier = new DoubleBarrier(client, path, clients.length);
    await barrier.enter({ timeoutMs: 10_000 });
    console.log(`member ${i} entered`);
    await new Promise((r) => setTimeout(r, 50 * i));
    console.log(`member ${i} finished its work`);
    await barrier.leave({ timeoutMs: 10_000 });
    console.log(`member ${i} left`);
  }),
);
console.log('all members left together');

await removeTree(clients[0]!, path);
await Promise.all(clients.map((c) => c.close()));
console.log('double-barrier done');
