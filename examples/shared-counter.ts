// SharedCounter: two clients increment one counter concurrently; no update is lost.
// Run: node dist/examples/shared-counter.js 127.0.0.1:2181
// Applications write: import { SharedCounter } from 'warren/recipes';
import { SharedCounter } from '../src/recipes/index.js';
import { connect, removeTree } from './lib/common.js';

const path = '/examples-counter';
const [a, b] = [await connect(), await connect()];
const counters = [new SharedCounter(a, path), new SharedCounter(b, path)];

await Promise.all(
  counters.map(async (counter) => {
    for (let i = 0; i < 5; i++) await counter.increment();
  }),
);
console.log(`counter after 10 increments: ${await counters[0]!.get()}`);
console.log(`after decrement: ${await counters[1]!.decrement()}`);
const { value, version } = await counters[0]!.getVersioned();
console.log(`trySet(${version}, 100): ${await counters[0]!.trySet(version, 100)} (was ${value})`);
console.log(`trySet with a stale version: ${await counters[1]!.trySet(version, 0)}`);

await removeTree(a, path);
await Promise.all([a.close(), b.close()]);
console.log('shared-counter done');
