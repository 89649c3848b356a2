// AtomicValue: compare-and-set and a retried read-modify-write on a JSON config.
// Run: node dist/examples/atomic-value.js 127.0.0.1:2181
// Applications write: import { AtomicValue } from 'warren/recipes';
import { AtomicValue } from '../src/recipes/index.js';
import { connect, removeTree } from './lib/common.js';

const path = '/examples-atomic';
const client = await connect();
const config = new AtomicValue(client, path, JSON.stringify({ replicas: 1 }));

const { value, version } = await config.get();
console.log(`initial: ${value?.toString()} (version ${version})`);
const swapped = await config.compareAndSet(version, JSON.stringify({ replicas: 2 }));
console.log(`compareAndSet at version ${version}: ${swapped}`);
const stale = await config.compareAndSet(version, JSON.stringify({ replicas: 9 }));
console.log(`compareAndSet with a stale version: ${stale}`);

const result = await config.update((current) => {
  const parsed = JSON.parse(current?.toString() ?? '{}') as { replicas: number };
  return JSON.stringify({ replicas: parsed.replicas + 1 });
});
console.log(`update: ${result.before?.toString()} -> ${result.after.toString()}`);

await removeTree(client, path);
await client.close();
console.log('atomic-value done');
