/**
 * The dashboard's HTTP API on a real server: login (digest, SASL, and refusals), that tree
 * operations run as the logged-in user (ACLs give NoAuth), version-checked edits (a stale
 * version is BadVersion and changes nothing), paging, and its caps: body size, sessions,
 * CSRF. The browser test (test/browser) drives the page on top of this.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64, DashboardHttp, type Json } from '../support/dashboard-http.js';
import { freePort, LOOPBACK_HOST } from '../support/ports.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

const SASL_PROVIDER = 'org.apache.zookeeper.server.auth.SASLAuthenticationProvider';
const SESSIONS_MAX = 4;

function writeJaas(dir: string): string {
  const path = join(dir, 'jaas.conf');
  const module = 'org.apache.zookeeper.server.auth.DigestLoginModule';
  writeFileSync(path, `Server {\n  ${module} required\n  user_carol="carol-pw";\n};\n`);
  return path;
}

describe('the dashboard API', () => {
  let server: RunningServer;
  let base: string;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warren-dashboard-'));
    const port = await freePort();
    base = `http://${LOOPBACK_HOST}:${port}`;
    server = await startWarren({
      config: {
        'admin.enableServer': 'true',
        'admin.serverAddress': LOOPBACK_HOST,
        'admin.serverPort': String(port),
        'warren.dashboard.enable': 'true',
        'warren.dashboard.sessionsMax': String(SESSIONS_MAX),
        'java.security.auth.login.config': writeJaas(dir),
        'authProvider.1': SASL_PROVIDER,
      },
    });
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page and refuses the API without a login', async () => {
    const page = await fetch(`${base}/dashboard/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match(await page.text(), /<script src="app.js">/);
    const script = await fetch(`${base}/dashboard/app.js`);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    const anonymous = new DashboardHttp(base);
    const refused = await anonymous.call('GET', 'children', { query: { path: '/' } });
    assert.equal(refused.status, 401);
    assert.equal(refused.body['error'], 'notLoggedIn');
    // The AdminServer still answers its own paths on the same port.
    assert.equal((await fetch(`${base}/commands/ruok`)).status, 200);
  });

  it('logs in with digest and SASL, refuses a wrong SASL password, sets a strict cookie', async () => {
    const alice = new DashboardHttp(base);
    const login = await alice.login('digest', 'alice', 'alice-pw');
    assert.equal(login.status, 200);
    assert.match(login.setCookie ?? '', /HttpOnly/);
    assert.match(login.setCookie ?? '', /SameSite=Strict/);
    const ids = login.body['ids'] as Json[];
    const isAlice = (id: Json) => id['authScheme'] === 'digest' && id['user'] === 'alice';
    assert.ok(ids.some(isAlice), JSON.stringify(ids));
    const carol = new DashboardHttp(base);
    assert.equal((await carol.login('sasl', 'carol', 'wrong')).status, 401);
    const sasl = await carol.login('sasl', 'carol', 'carol-pw');
    assert.equal(sasl.status, 200);
    assert.ok((sasl.body['ids'] as Json[]).some((id) => id['authScheme'] === 'sasl'));
    assert.equal((await alice.call('POST', 'logout')).status, 200);
    assert.equal((await carol.call('POST', 'logout')).status, 200);
    assert.equal((await alice.call('GET', 'node', { query: { path: '/' } })).status, 401);
  });

  it('runs operations as the user: a node only its creator may read is NoAuth for others', async () => {
    const alice = new DashboardHttp(base);
    const bob = new DashboardHttp(base);
    await alice.login('digest', 'alice', 'alice-pw');
    await bob.login('digest', 'bob', 'bob-pw');
    const created = await alice.call('POST', 'node', {
      body: { path: '/secret', data: base64('for alice'), acl: 'creator' },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const read = await alice.call('GET', 'node', { query: { path: '/secret' } });
    assert.equal(read.status, 200);
    assert.equal(Buffer.from(String(read.body['data']), 'base64').toString(), 'for alice');
    const acl = read.body['acl'] as Json[];
    assert.equal((acl[0]?.['id'] as Json)['scheme'], 'digest');
    const denied = await bob.call('GET', 'node', { query: { path: '/secret' } });
    assert.equal(denied.status, 403);
    assert.equal(denied.body['error'], 'noAuth');
    const set = await bob.call('PUT', 'node', {
      body: { path: '/secret', data: base64('bob was here'), version: 0 },
    });
    assert.equal(set.body['error'], 'noAuth');
    // A password that is not alice's is another identity, also refused.
    const mallory = new DashboardHttp(base);
    await mallory.login('digest', 'alice', 'guess');
    assert.equal((await mallory.call('GET', 'node', { query: { path: '/secret' } })).status, 403);
    for (const user of [alice, bob, mallory]) await user.call('POST', 'logout');
  });

  it('checks versions: a stale edit or delete is BadVersion and changes nothing', async () => {
    const user = new DashboardHttp(base);
    await user.login('digest', 'dave', 'dave-pw');
    await user.call('POST', 'node', { body: { path: '/versioned', data: base64('v0') } });
    const first = await user.call('PUT', 'node', {
      body: { path: '/versioned', data: base64('v1'), version: 0 },
    });
    assert.equal(first.status, 200);
    assert.equal((first.body['stat'] as Json)['version'], 1);
    const stale = await user.call('PUT', 'node', {
      body: { path: '/versioned', data: base64('lost'), version: 0 },
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.body['error'], 'badVersion');
    const staleDelete = await user.call('DELETE', 'node', {
      body: { path: '/versioned', version: 0 },
    });
    assert.equal(staleDelete.body['error'], 'badVersion');
    const read = await user.call('GET', 'node', { query: { path: '/versioned' } });
    assert.equal(Buffer.from(String(read.body['data']), 'base64').toString(), 'v1');
    const noVersion = await user.call('PUT', 'node', {
      body: { path: '/versioned', data: base64('x') },
    });
    assert.equal(noVersion.status, 400);
    const deleted = await user.call('DELETE', 'node', { body: { path: '/versioned', version: 1 } });
    assert.equal(deleted.status, 200);
    const gone = await user.call('GET', 'node', { query: { path: '/versioned' } });
    assert.equal(gone.body['error'], 'noNode');
    await user.call('POST', 'logout');
  });

  it('pages children and refuses pages over the cap', async () => {
    const user = new DashboardHttp(base);
    await user.login('world', '', '');
    await user.call('POST', 'node', { body: { path: '/many' } });
    for (let i = 0; i < 25; i++) {
      const name = `/many/c${String(i).padStart(2, '0')}`;
      assert.equal((await user.call('POST', 'node', { body: { path: name } })).status, 200);
    }
    const page = await user.call('GET', 'children', {
      query: { path: '/many', offset: '10', limit: '10' },
    });
    assert.equal(page.body['total'], 25);
    assert.deepEqual(page.body['children'], [
      'c10',
      'c11',
      'c12',
      'c13',
      'c14',
      'c15',
      'c16',
      'c17',
      'c18',
      'c19',
    ]);
    const last = await user.call('GET', 'children', {
      query: { path: '/many', offset: '20', limit: '10' },
    });
    assert.equal((last.body['children'] as string[]).length, 5);
    const tooMany = await user.call('GET', 'children', { query: { path: '/many', limit: '501' } });
    assert.equal(tooMany.status, 400);
    await user.call('POST', 'logout');
  });

  it('needs the CSRF token and a same origin for writes, JSON bodies, and caps body size', async () => {
    const user = new DashboardHttp(base);
    await user.login('world', '', '');
    const body = { path: '/csrf', data: base64('x') };
    const noToken = await user.call('POST', 'node', { body, headers: { 'X-Warren-Csrf': '' } });
    assert.equal(noToken.status, 403);
    assert.equal(noToken.body['error'], 'csrf');
    const crossSite = await user.call('POST', 'node', {
      body,
      headers: { Origin: 'http://evil.example' },
    });
    assert.equal(crossSite.body['error'], 'crossOrigin');
    const form = await user.call('POST', 'node', {
      body: 'path=/csrf',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 415);
    const huge = await user.call('POST', 'node', {
      body: { path: '/huge', data: 'A'.repeat(2_000_000) },
    });
    assert.equal(huge.status, 413);
    const exists = await user.call('GET', 'node', { query: { path: '/csrf' } });
    assert.equal(exists.body['error'], 'noNode');
    await user.call('POST', 'logout');
  });

  it('bounds logged-in users, and serves cluster, sessions and stats', async () => {
    const users = Array.from({ length: SESSIONS_MAX }, () => new DashboardHttp(base));
    for (const user of users) assert.equal((await user.login('world', '', '')).status, 200);
    const extra = await new DashboardHttp(base).login('world', '', '');
    assert.equal(extra.status, 503);
    assert.equal(extra.body['error'], 'tooManySessions');
    const [first] = users;
    assert.ok(first !== undefined);
    const cluster = await first.call('GET', 'cluster');
    const members = cluster.body['members'] as Json[];
    assert.equal(members.length, 1);
    assert.equal(members[0]?.['mode'], 'standalone');
    assert.equal(members[0]?.['health'], 'ok');
    const sessions = await first.call('GET', 'sessions');
    assert.ok((sessions.body['connections'] as Json[]).length >= SESSIONS_MAX);
    const stats = await first.call('GET', 'stats');
    assert.equal(typeof stats.body['packetsReceived'], 'number');
    assert.ok(Number(stats.body['heapUsedBytes']) > 0);
    for (const user of users) await user.call('POST', 'logout');
    const again = new DashboardHttp(base);
    assert.equal((await again.login('world', '', '')).status, 200);
    await again.call('POST', 'logout');
  });

  it('never writes a password to the server log', () => {
    const log = readFileSync(server.logFile, 'utf8');
    assert.match(log, /Dashboard on/);
    for (const password of ['alice-pw', 'bob-pw', 'carol-pw', 'dave-pw']) {
      assert.ok(!log.includes(password), `${password} is in the log`);
    }
  });
});
