// Lock: two workers contend for one lock; the second waits until the first releases.
// Run: node dist/examples/lock.js 127.0.0.1:2181
// Applications write: import { Lock } from 'warren/recipes';
import { Lock } from '../src/recipes/index.js';
import { connect, removeTree } from './lib/common.js';

const path = '/examples-lock';
const [a, b] = [await connect(), await connect()];

async function work(name: string, lock: Lock): Promise<void> {
  const grant = await lock.acquire({ timeoutMs: 10_000 });
  console.log(`${name} holds the lock (fencing token ${grant.fencingToken})`);
  await new Promise((r) => setTimeout(r, 200));
  console.log(`${name} releases the lock`);
  await lock.release();
}

await Promise.all([work('alice', new Lock(a, path)), work('bob', new Lock(b, path))]);
await removeTree(a, path);
await Promise.all([a.close(), b.close()]);
console.log('lock done');
