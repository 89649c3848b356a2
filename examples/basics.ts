// The warren client: connect, create, getData with a watch, a transaction, close.
// Run: node dist/examples/basics.js 127.0.0.1:2181
// Applications write: import { createClient } from 'warren/client';
import { createClient } from '../src/client/index.js';
import { removeTree } from './lib/common.js';

const client = createClient(process.argv[2] ?? '127.0.0.1:2181');
client.on('state', (state) => console.log(`session state: ${state}`));
await client.connect();

const root = '/examples-basics';
await removeTree(client, root);
await client.create(root, { data: 'v1' });

let fired: (type: string) => void = () => {};
const changed = new Promise<string>((resolve) => (fired = resolve));
const { data } = await client.getData(root, { watch: (event) => fired(event.type) });
console.log(`read ${root} = ${data?.toString()}`);
await client.setData(root, 'v2');
console.log(`watch fired: ${await changed}`);

const results = await client
  .transaction()
  .create(`${root}/a`, { data: 'A' })
  .create(`${root}/b`, { data: 'B' })
  .setData(root, 'v3')
  .commit();
console.log(`transaction committed ${results.length} ops`);

await removeTree(client, root);
await client.close();
console.log('basics done');
