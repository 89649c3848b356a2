// GroupMembership: members join a group and see each other; the node survives expiry.
// Run: node dist/examples/group-membership.js 127.0.0.1:2181
// Applications write: import { GroupMembership } from 'warren/recipes';
import { GroupMembership } from '../src/recipes/index.js';
import { connect, removeTree } from './lib/common.js';

const path = '/examples-group';
const a = new GroupMembership(connect, path, 'worker-a', 'host-a:7000');
const b = new GroupMembership(connect, path, 'worker-b', 'host-b:7000');
a.on('joined', (m) => console.log(`worker-a sees ${m.id} join (${m.data?.toString()})`));
a.on('left', (m) => console.log(`worker-a sees ${m.id} leave`));

await a.start();
await b.start();
await new Promise<void>((resolve) => {
  const check = (): void => (a.members().size === 2 ? resolve() : undefined);
  a.on('joined', check);
  check();
});
console.log(`members: ${[...a.members().keys()].sort().join(', ')}`);
const left = new Promise<void>((resolve) => a.once('left', () => resolve()));
await b.close();
await left;
console.log(`after worker-b left: ${[...a.members().keys()].join(', ')}`);

await a.close();
const cleanup = await connect();
await removeTree(cleanup, path);
await cleanup.close();
console.log('group-membership done');
