/**
 * ClickHouse Keeper's four-letter words on a standalone server (csnp, lgif, rqld, ydld), in
 * Keeper's answers, behind the whitelist (named only: `*` does not take them), and the same
 * as AdminServer commands.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fourLetter } from '../support/four-letter.js';
import { parseLgif } from '../support/lgif.js';
import { freePort, LOOPBACK_HOST } from '../support/ports.js';
import { sleep } from '../support/server-process.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

const LGIF_FIELDS = [
  'first_log_idx',
  'first_log_term',
  'last_log_idx',
  'last_log_term',
  'last_committed_log_idx',
  'leader_committed_log_idx',
  'target_committed_log_idx',
  'last_snapshot_idx',
];

describe("ClickHouse Keeper's four-letter words (standalone)", () => {
  let server: RunningServer;
  let admin: string;
  before(async () => {
    const port = await freePort();
    admin = `http://${LOOPBACK_HOST}:${port}`;
    server = await startWarren({
      config: {
        '4lw.commands.whitelist': 'csnp, lgif, rqld, ydld, mntr',
        'admin.enableServer': 'true',
        'admin.serverAddress': LOOPBACK_HOST,
        'admin.serverPort': String(port),
      },
    });
  });
  after(async () => {
    await server?.stop();
  });

  const word = (w: string) => fourLetter(server.host, server.port, w);

  it('lgif prints the log indexes by Keeper’s names, tab-separated', async () => {
    const text = await word('lgif');
    assert.deepEqual(
      text
        .trim()
        .split('\n')
        .map((line) => line.split('\t')[0]),
      LGIF_FIELDS,
    );
    const info = parseLgif(text);
    for (const [name, value] of info) assert.ok(Number.isSafeInteger(value), `${name}=${value}`);
    assert.ok((info.get('last_committed_log_idx') ?? 0) >= 1);
    assert.ok((info.get('last_log_idx') ?? 0) >= (info.get('last_committed_log_idx') ?? 0));
  });

  it('csnp answers the index its snapshot covers, and lgif then shows it', async () => {
    const answer = await word('csnp');
    assert.match(answer, /^\d+\n$/);
    const index = Number(answer);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const info = parseLgif(await word('lgif'));
      if ((info.get('last_snapshot_idx') ?? 0) >= index) break;
      assert.ok(Date.now() < deadline, 'the scheduled snapshot never showed in lgif');
      await sleep(50);
    }
  });

  it('rqld on the only voter is already done; ydld has nobody to yield to', async () => {
    assert.equal(await word('rqld'), 'Sent leadership request to leader.\n');
    assert.equal(await word('ydld'), 'Failed to send yield leadership request to leader.\n');
    assert.match(await word('mntr'), /zk_server_state\tstandalone/);
  });

  it('answers the same as AdminServer commands; the ones that act need authentication', async () => {
    const info = (await (await fetch(`${admin}/commands/lgif`)).json()) as Record<string, unknown>;
    assert.equal(info['command'], 'log_info');
    for (const name of LGIF_FIELDS) assert.equal(typeof info[name], 'number', name);
    for (const name of ['request_leadership', 'ydld', 'csnp']) {
      assert.equal((await fetch(`${admin}/commands/${name}`)).status, 401, name);
    }
    const auth = { Authorization: 'digest admin:secret' }; // the root's ACL is open
    const rqld = await fetch(`${admin}/commands/rqld`, { headers: auth });
    assert.deepEqual(await rqld.json(), { sent: true, command: 'request_leadership', error: null });
  });
});

describe('the whitelist and the Keeper words', () => {
  it('takes them only when named: * means ZooKeeper’s words', async () => {
    const server = await startWarren({ config: { '4lw.commands.whitelist': '*' } });
    try {
      for (const w of ['csnp', 'lgif', 'rqld', 'ydld']) {
        assert.equal(
          await fourLetter(server.host, server.port, w),
          `${w} is not executed because it is not in the whitelist.\n`,
        );
      }
    } finally {
      await server.stop();
    }
  });
});
