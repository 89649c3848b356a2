// Barrier: workers wait until a coordinator lowers the barrier.
// Run: node dist/examples/barrier.js 127.0.0.1:2181
// Applications write: import { Barrier } from 'warren/recipes';
import { Barrier } from '../src/recipes/index.js';
import { connect, removeTree } from './lib/common.js';

const path = '/examples-barrier/gate';
const [coordinator, worker] = [await connect(), await connect()];
const gate = new Barrier(coordinator, path);
await gate.set();
console.log('coordinator set the barrier');

const waiting = new Barrier(worker, path)
  .waitOn({ timeoutMs: 10_000 })
  .then(() => console.log('worker passed the barrier'));
await new Promise((r) => setTimeout(r, 200));
console.log('coordinator removes the barrier');
await gate.remove();
await waiting;

await removeTree(coordinator, '/examples-barrier');
await Promise.all([coordinator.close(), worker.close()]);
console.log('barrier done');
