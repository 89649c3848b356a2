// PriorityQueue: jobs with a priority; the consumer takes the lowest priority first.
// Run: node dist/examples/priority-queue.js 127.0.0.1:2181
// Applications write: import { PriorityQueue } from 'warren/recipes';
import { PriorityQueue } from '../src/recipes/index.js';
import { connect, removeTree } from './lib/common.js';

const path = '/examples-priority-queue';
const [producer, consumer] = [await connect(), await connect()];
const outbox = new PriorityQueue(producer, path);
const inbox = new PriorityQueue(consumer, path);

for (const [job, priority] of [
  ['backup', 9],
  ['page-oncall', 0],
  ['resize-images', 5],
  ['renew-cert', 0],
] as const) {
  await outbox.offer(job, priority);
  console.log(`producer offered ${job} (priority ${priority})`);
}
const order: string[] = [];
for (let i = 0; i < 4; i++) order.push((await inbox.take({ timeoutMs: 10_000 })).toString());
console.log(`consumer took: ${order.join(', ')}`);

await removeTree(producer, path);
await Promise.all([producer.close(), consumer.close()]);
console.log('priority-queue done');
