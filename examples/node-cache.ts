// NodeCache: a local, always-current copy of one node, updated through watches.
// Run: node dist/examples/node-cache.js 127.0.0.1:2181
// Applications write: import { NodeCache } from 'warren/recipes';
import { NodeCache, type CachedNode } from '../src/recipes/index.js';
import { connect } from './lib/common.js';

const path = '/examples-node-cache';
const [writer, reader] = [await connect(), await connect()];
const cache = new NodeCache(reader, path);
const changes: (CachedNode | null)[] = [];
let notify = (): void => {};
cache.on('changed', (node) => {
  changes.push(node);
  console.log(`cache changed: ${node === null ? '(deleted)' : node.data?.toString()}`);
  notify();
});
const nextChange = (): Promise<void> => new Promise((resolve) => (notify = resolve));

await cache.start();
console.log(`cache starts with: ${cache.current === null ? '(no node)' : 'a node'}`);
let change = nextChange();
await writer.create(path, { data: 'blue' });
await change;
change = nextChange();
await writer.setData(path, 'green');
await change;
change = nextChange();
await writer.delete(path);
await change;
console.log(
  `saw ${changes.length} changes; current is ${cache.current === null ? 'null' : 'a node'}`,
);

await cache.close();
await Promise.all([writer.close(), reader.close()]);
console.log('node-cache done');
