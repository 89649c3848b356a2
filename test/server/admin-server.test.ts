/**
 * The AdminServer (admin.enableServer=true): ZooKeeper's command names and JSON fields, the
 * health checks, the snapshot command's authentication; and no listener unless asked for.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, LOOPBACK_HOST } from '../support/ports.js';
import { RawClient } from '../support/raw-client.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

type Json = Record<string, unknown>;

async function get(base: string, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, { headers });
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').startsWith('application/json');
  return { status: response.status, body: isJson ? (JSON.parse(text) as Json) : {}, text };
}

describe('the AdminServer', () => {
  let server: RunningServer;
  let base: string;
  before(async () => {
    const port = await freePort();
    base = `http://${LOOPBACK_HOST}:${port}`;
    server = await startWarren({
      config: {
        'admin.enableServer': 'true',
        'admin.serverAddress': LOOPBACK_HOST,
        'admin.serverPort': String(port),
      },
    });
  });
  after(async () => {
    await server?.stop();
  });

  it('lists its commands and answers them with ZooKeeper’s fields', async () => {
    const listing = await get(base, '/commands');
    assert.equal(listing.status, 200);
    for (const name of ['ruok', 'monitor', 'server_stats', 'snapshot', 'voting_view']) {
      assert.match(listing.text, new RegExp(`href="/commands/${name}"`));
    }
    const client = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
    const ruok = await get(base, '/commands/ruok');
    assert.deepEqual(ruok.body, { command: 'ruok', error: null });
    const mntr = await get(base, '/commands/mntr');
    assert.equal(mntr.body['command'], 'monitor');
    assert.equal(mntr.body['server_state'], 'standalone');
    assert.equal(mntr.body['num_alive_connections'], 1);
    const srvr = await get(base, '/commands/srvr');
    assert.equal(srvr.body['command'], 'server_stats');
    assert.equal(srvr.body['read_only'], false);
    assert.equal(typeof srvr.body['node_count'], 'number');
    const cons = await get(base, '/commands/connections');
    const listed = cons.body['connections'] as Json[];
    assert.equal(listed.length, 1);
    assert.match(String(listed[0]?.['session_id']), /^0x[0-9a-f]+$/);
    const wchs = await get(base, '/commands/wchs');
    assert.equal(wchs.body['num_total_watches'], 0);
    assert.deepEqual((await get(base, '/commands/isro')).body['read_only'], false);
    assert.equal((await get(base, '/commands/leader')).body['is_leader'], true);
    assert.ok('session_id_to_ephemeral_paths' in (await get(base, '/commands/dump')).body);
    assert.ok('current_config' in (await get(base, '/commands/voting_view')).body);
    assert.equal((await get(base, '/commands/conf')).body['client_port'], server.port);
    assert.equal((await get(base, '/commands/nothing')).status, 404);
    await client.close();
  });

  it('answers readiness and liveness', async () => {
    const ready = await get(base, '/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { ready: true, mode: 'standalone' });
    assert.equal((await get(base, '/live')).status, 200);
  });

  it('takes a snapshot only for an authenticated caller, and says its zxid', async () => {
    assert.equal((await get(base, '/commands/snapshot')).status, 401);
    const auth = { Authorization: 'digest admin:secret' }; // the root's ACL is open
    const taken = await get(base, '/commands/snapshot', auth);
    assert.equal(taken.status, 200);
    assert.match(String(taken.body['last_zxid']), /^0x[0-9a-f]+$/);
    const last = await get(base, '/commands/last_snapshot');
    assert.equal(`0x${String(last.body['zxid'])}`, taken.body['last_zxid']);
    assert.equal((await get(base, '/commands/snapshot', auth)).status, 429);
  });
});

describe('admin.enableServer unset', () => {
  it('opens no AdminServer (Warren keeps it off by default)', async () => {
    const port = await freePort();
    const server = await startWarren({ config: { 'admin.serverPort': String(port) } });
    try {
      await assert.rejects(fetch(`http://${LOOPBACK_HOST}:${port}/commands/ruok`));
    } finally {
      await server.stop();
    }
  });
});
