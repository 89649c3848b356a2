// LeaderLatch: two servers run for leader; when the leader leaves, the other takes over.
// Run: node dist/examples/leader-latch.js 127.0.0.1:2181
// Applications write: import { LeaderLatch } from 'warren/recipes';
import { LeaderLatch } from '../src/recipes/index.js';
import { connect, removeTree } from './lib/common.js';

const path = '/examples-leader';
const [a, b] = [await connect(), await connect()];
const first = new LeaderLatch(a, path, { id: 'server-1' });
const second = new LeaderLatch(b, path, { id: 'server-2' });
second.on('isLeader', (grant) => console.log(`server-2 is leader (token ${grant.fencingToken})`));

await first.start();
await first.waitForLeadership({ timeoutMs: 10_000 });
console.log('server-1 is leader');
await second.start();
console.log(`participants: ${(await first.participants()).join(', ')}`);

console.log('server-1 steps down');
await first.close();
await second.waitForLeadership({ timeoutMs: 10_000 });
console.log(`server-2 has leadership: ${second.hasLeadership}`);

await second.close();
await removeTree(a, path);
await Promise.all([a.close(), b.close()]);
console.log('leader-latch done');
