// TreeCache: a local mirror of a whole subtree, kept by one recursive watch.
// Run: node dist/examples/tree-cache.js 127.0.0.1:2181
// Applications write: import { TreeCache } from 'warren/recipes';
import { TreeCache } from '../src/recipes/index.js';
import { connect, removeTree } from './lib/common.js';

const path = '/examples-tree-cache';
const [writer, reader] = [await connect(), await connect()];
await writer.create(path);

const cache = new TreeCache(reader, path, { maxDepth: 3 });
cache.on('added', (n) => console.log(`added ${n.path}`));
cache.on('updated', (n) => console.log(`updated ${n.path}=${n.data?.toString()}`));
await cache.start();
console.log(`watch mode: ${cache.watchMode}`);

await writer.create(`${path}/db`, { data: 'primary' });
await writer.create(`${path}/db/pool`, { data: '10' });
await writer.setData(`${path}/db/pool`, '20');
const synced = new Promise<void>((resolve) => {
  const check = (): void => {
    if (cache.get(`${path}/db/pool`)?.data?.toString() === '20') resolve();
  };
  cache.on('added', check).on('updated', check);
  check();
});
await synced;
console.log(`mirror has ${cache.paths().length} nodes; pool = 20`);

await cache.close();
await removeTree(writer, path);
await Promise.all([writer.close(), reader.close()]);
console.log('tree-cache done');
