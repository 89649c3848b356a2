// warren/testing in a test suite: a real Warren on a free port with a temporary data
// directory, used by a client, restarted, and removed at the end. No server is needed
// beforehand (the connect string argument other examples take is ignored).
// Run: node dist/examples/testing-server.js
// Applications write: import { TestingServer } from 'warren/testing';
import { createClient } from '../src/client/index.js';
import { TestingServer } from '../src/testing/index.js';

const server = await TestingServer.start(); // in this process; { mode: 'childProcess' } to kill it
try {
  const client = await createClient(server.connectString).connect();
  await client.create('/app/config/feature', { data: 'on', parents: true });

  const events = client.watchEvents('/app/config', { kind: 'persistentRecursive' });
  await events.ready;
  await client.setData('/app/config/feature', 'off');
  for await (const event of events) {
    console.log(`event: ${event.type} ${event.path}`);
    break;
  }
  await client.close();

  await server.restart(); // same port, same data
  const again = await createClient(server.connectString).connect();
  const { data } = await again.getData('/app/config/feature');
  console.log(`after restart: feature = ${data?.toString()}`);
  console.log(`deleted ${await again.deleteRecursive('/app')} nodes`);
  await again.close();
} finally {
  await server.stop(); // the data directory goes too
}
console.log('testing-server done');
