// ReadWriteLock: two readers share the lock; a writer waits until both are done.
// Run: node dist/examples/read-write-lock.js 127.0.0.1:2181
// Applications write: import { ReadWriteLock } from 'warren/recipes';
import { ReadWriteLock } from '../src/recipes/index.js';
import { connect, removeTree } from './lib/common.js';

const path = '/examples-rwlock';
const clients = [await connect(), await connect(), await connect()];
const [r1, r2, w] = clients.map((client) => new ReadWriteLock(client, path));
const sleep = (ms: number): Promise<unknown> => new Promise((r) => setTimeout(r, ms));

await r1!.readLock.acquire({ timeoutMs: 10_000 });
await r2!.readLock.acquire({ timeoutMs: 10_000 });
console.log('two readers hold the read lock at once');

const writing = w!.writeLock.acquire({ timeoutMs: 10_000 }).then(async () => {
  console.log('writer holds the write lock');
  await w!.writeLock.release();
});
await sleep(200);
console.log(`writer waiting while readers hold: ${!w!.writeLock.isHeld}`);
console.log('readers release the read lock');
await r1!.readLock.release();
await r2!.readLock.release();
await writing;

await removeTree(clients[0]!, path);
await Promise.all(clients.map((c) => c.close()));
console.log('read-write-lock done');
