// PersistentEphemeralNode: a service registration that stays while its process lives,
// re-created with a new session if the old one expires, and gone once closed.
// Run: node dist/examples/persistent-ephemeral-node.js 127.0.0.1:2181
// Applications write: import { PersistentEphemeralNode } from 'warren/recipes';
import { PersistentEphemeralNode } from '../src/recipes/index.js';
import { connect, removeTree } from './lib/common.js';

const services = '/examples-services';
const path = `${services}/api-1`;
const observer = await connect();
await observer.create(services).catch(() => undefined);

const registration = new PersistentEphemeralNode(connect, path, 'http://10.0.0.1:8080');
registration.on('created', (p) => console.log(`registered ${p}`));
await registration.start();
const { data } = await observer.getData(path);
console.log(`observer sees ${path} -> ${data?.toString()}`);

await registration.close();
console.log(`after close, node exists: ${(await observer.exists(path)) !== null}`);

await removeTree(observer, services);
await observer.close();
console.log('persistent-ephemeral-node done');
