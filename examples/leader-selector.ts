// LeaderSelector: three servers take turns leading; each leads while its callback runs.
// Run: node dist/examples/leader-selector.js 127.0.0.1:2181
// Applications write: import { LeaderSelector } from 'warren/recipes';
import { LeaderSelector } from '../src/recipes/index.js';
import { connect, removeTree } from './lib/common.js';

const path = '/examples-leader-selector';
const clients = [await connect(), await connect(), await connect()];
const turns: string[] = [];
let allDone = (): void => {};
const finished = new Promise<void>((resolve) => (allDone = resolve));

const selectors = clients.map(
  (client, i) =>
    new LeaderSelector(client, path, {
      id: `server-${i}`,
      takeLeadership: async (signal, { fencingToken }) => {
        console.log(`server-${i} leads (fencing token ${fencingToken})`);
        turns.push(`server-${i}`);
        // Real work checks signal.aborted and passes fencingToken to the resources it writes.
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (signal.aborted) return;
        console.log(`server-${i} steps down`);
        if (turns.length === 3) allDone();
      },
    }),
);
for (const selector of selectors) selector.start();
await finished;
console.log(`each led once: ${new Set(turns).size === 3}`);

await Promise.all(selectors.map((s) => s.close()));
await removeTree(clients[0]!, path);
await Promise.all(clients.map((c) => c.close()));
console.log('leader-selector done');
