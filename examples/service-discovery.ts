// ServiceDiscovery: two API instances register; a client finds them and picks round-robin.
// Run: node dist/examples/service-discovery.js 127.0.0.1:2181
// Applications write: import { ServiceDiscovery } from 'warren/recipes';
import { ServiceDiscovery } from '../src/recipes/index.js';
import { connect, removeTree } from './lib/common.js';

const base = '/examples-services';
const hostA = new ServiceDiscovery(connect, base);
const hostB = new ServiceDiscovery(connect, base);
const caller = new ServiceDiscovery(connect, base);

await hostA.register({ name: 'api', id: 'a', address: '10.0.0.1', port: 8080, payload: { v: 1 } });
await hostB.register({ name: 'api', id: 'b', address: '10.0.0.2', port: 8080, payload: { v: 1 } });
const listed = await caller.getInstances('api');
console.log(`instances of api: ${listed.map((s) => `${s.id}@${s.address}:${s.port}`).join(', ')}`);

const provider = caller.provider('api', { strategy: 'roundRobin' });
await provider.start();
const picks = [0, 1, 2, 3].map(() => provider.getInstance()?.id);
console.log(`round-robin picks: ${picks.join(' ')}`);

const gone = new Promise<void>((resolve) => {
  const stop = provider.onChange(() => {
    if (provider.getAllInstances().length !== 1) return;
    stop();
    resolve();
  });
});
await hostB.close();
await gone;
console.log(
  `after b stopped: ${provider
    .getAllInstances()
    .map((s) => s.id)
    .join(', ')}`,
);

await provider.close();
await Promise.all([hostA.close(), caller.close()]);
const cleanup = await connect();
await removeTree(cleanup, base);
await cleanup.close();
console.log('service-discovery done');
