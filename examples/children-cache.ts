// ChildrenCache: a local, always-current map of a node's children.
// Run: node dist/examples/children-cache.js 127.0.0.1:2181
// Applications write: import { ChildrenCache } from 'warren/recipes';
import { ChildrenCache } from '../src/recipes/index.js';
import { connect, removeTree } from './lib/common.js';

const path = '/examples-children-cache';
const [writer, reader] = [await connect(), await connect()];
await writer.create(path);
await writer.create(`${path}/alpha`, { data: '1' });

const cache = new ChildrenCache(reader, path);
let notify = (): void => {};
const nextEvent = (): Promise<void> => new Promise((resolve) => (notify = resolve));
cache.on('added', (c) => (console.log(`added ${c.name}=${c.data?.toString()}`), notify()));
cache.on('updated', (c) => (console.log(`updated ${c.name}=${c.data?.toString()}`), notify()));
cache.on('removed', (c) => (console.log(`removed ${c.name}`), notify()));

await cache.start();
let event = nextEvent();
await writer.create(`${path}/beta`, { data: '2' });
await event;
event = nextEvent();
await writer.setData(`${path}/alpha`, '3');
await event;
event = nextEvent();
await writer.delete(`${path}/beta`);
await event;
console.log(`children now: ${[...cache.current.keys()].join(', ')}`);

await cache.close();
await removeTree(writer, path);
await Promise.all([writer.close(), reader.close()]);
console.log('children-cache done');
