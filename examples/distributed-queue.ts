// DistributedQueue: a producer offers jobs, a consumer takes them in FIFO order.
// Run: node dist/examples/distributed-queue.js 127.0.0.1:2181
// Applications write: import { DistributedQueue } from 'warren/recipes';
import { DistributedQueue } from '../src/recipes/index.js';
import { connect, removeTree } from './lib/common.js';

const path = '/examples-queue';
const [producer, consumer] = [await connect(), await connect()];
const outbox = new DistributedQueue(producer, path);
const inbox = new DistributedQueue(consumer, path);

const consumed = (async () => {
  for (let i = 0; i < 3; i++) {
    const job = await inbox.take({ timeoutMs: 10_000 });
    console.log(`consumer took ${job.toString()}`);
  }
})();
for (const job of ['job-1', 'job-2', 'job-3']) {
  await outbox.offer(job);
  console.log(`producer offered ${job}`);
}
await consumed;
console.log(`queue empty: ${(await inbox.poll()) === null}`);

await removeTree(producer, path);
await Promise.all([producer.close(), consumer.close()]);
console.log('distributed-queue done');
