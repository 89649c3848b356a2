/**
 * The AdminServer over HTTPS as ZooKeeper's JettyAdminServer serves it (admin.forceHttps,
 * admin.portUnification, admin.needClientAuth, the ssl.quorum.* stores), with real
 * certificates, in process, on a TLS-only server (secureClientPort, no clientPort):
 * commands over HTTPS and `Authorization: x509`; the dashboard on that port, its x509 login
 * by the browser's certificate (the user's ACLs apply, another user's refuse), digest login
 * through the TLS client port without taking on the server's own certificate identity.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { createClient, Perm, type ZooKeeperClient } from '../../src/client/index.js';
import { operatorListeners, type OperatorListeners } from '../../src/cli/operator-listeners.js';
import { parseZooCfg } from '../../src/config/config.js';
import { nodeEnvironment } from '../../src/member/node-environment.js';
import { startMember, type MemberHandle } from '../../src/member/start-member.js';
import { loadAdminTls } from '../../src/security/admin-tls.js';
import { loadClientTls } from '../../src/security/client-tls.js';
import { freePort } from '../support/ports.js';
import { makeTestPki, opensslMissing, type TestPki } from '../support/test-certificates.js';

const logger = pino({ level: 'silent' });
const subject = (name: string) => `CN=${name},OU=tests,O=Warren`;

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly setCookie: string | undefined;
}

interface Running {
  readonly handle: MemberHandle;
  readonly operators: OperatorListeners;
  readonly securePort: number;
  readonly adminPort: number;
}

describe('AdminServer over HTTPS, dashboard x509 login, TLS-only server', () => {
  const skip = opensslMissing();
  const root = mkdtempSync(join(tmpdir(), 'warren-admin-https-'));
  let pki: TestPki;
  const running: Running[] = [];
  const clients: ZooKeeperClient[] = [];

  before(() => {
    if (skip === undefined) pki = makeTestPki(root, ['server', 'alice', 'bob']);
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    for (const server of running) {
      await server.operators.close();
      await server.handle.close();
    }
    rmSync(root, { recursive: true, force: true });
  });

  async function start(lines: Record<string, string>): Promise<Running> {
    const dir = mkdtempSync(join(root, 'server-'));
    const [securePort, adminPort] = [await freePort(), await freePort()];
    const text = Object.entries({
      dataDir: dir,
      tickTime: '200',
      secureClientPort: String(securePort),
      secureClientPortAddress: '127.0.0.1',
      'ssl.keyStore.location': pki.leaf('server').pemPath,
      'ssl.trustStore.location': pki.caPath,
      'ssl.quorum.keyStore.location': pki.leaf('server').pemPath,
      'ssl.quorum.trustStore.location': pki.caPath,
      'admin.enableServer': 'true',
      'admin.serverAddress': '127.0.0.1',
      'admin.serverPort': String(adminPort),
      'warren.dashboard.enable': 'true',
      ...lines,
    })
      .map(([key, value]) => `${key}=${value}\n`)
      .join('');
    const { config, raw } = parseZooCfg(text, 'zoo.cfg');
    const clientTls = await loadClientTls(config, raw);
    const adminTls = await loadAdminTls(config, raw);
    const onFatal = (error: Error) => {
      throw error;
    };
    const handle = await startMember(
      config,
      nodeEnvironment(logger, onFatal, undefined, clientTls),
    );
    const operators = operatorListeners(config, logger, adminTls, clientTls);
    await operators.start(handle);
    const server = { handle, operators, securePort, adminPort };
    running.push(server);
    return server;
  }

  /** A client of the TLS client port with `name`'s certificate. */
  async function client(port: number, name: string): Promise<ZooKeeperClient> {
    const leaf = pki.leaf(name);
    const zk = createClient(`127.0.0.1:${port}`, {
      tls: { ca: pki.caPem, key: leaf.keyPem, cert: leaf.certPem },
    });
    clients.push(zk);
    return zk.connect();
  }

  /** An HTTPS request as a browser holding `leaf`'s certificate (or none) makes it. */
  function https(
    port: number,
    method: string,
    path: string,
    opts: { leaf?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const leaf = opts.leaf === undefined ? undefined : pki.leaf(opts.leaf);
    const cert = leaf === undefined ? {} : { key: leaf.keyPem, cert: leaf.certPem };
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path,
          method,
          ca: pki.caPem,
          ...cert,
          agent: false,
          headers: {
            ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
            ...opts.headers,
          },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => {
            let parsed: Record<string, unknown> = {};
            try {
              parsed = JSON.parse(text) as Record<string, unknown>;
            } catch {
              parsed = { raw: text };
            }
            const cookie = response.headers['set-cookie']?.[0];
            resolve({ status: response.statusCode ?? 0, body: parsed, setCookie: cookie });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Logs in to the dashboard; returns what later calls send (cookie, CSRF token). */
  async function logIn(port: number, leaf: string | undefined, body: Record<string, string>) {
    const answer = await https(port, 'POST', '/dashboard/api/login', {
      ...(leaf === undefined ? {} : { leaf }),
      body,
    });
    const cookie = (answer.setCookie ?? '').split(';')[0] ?? '';
    return { answer, headers: { Cookie: cookie, 'X-Warren-Csrf': String(answer.body['csrf']) } };
  }

  it(
    'serves commands over HTTPS only (forceHttps), x509 as the Authorization scheme',
    {
      skip,
    },
    async () => {
      const server = await start({ 'admin.forceHttps': 'true' });
      const ruok = await https(server.adminPort, 'GET', '/commands/ruok');
      assert.equal(ruok.status, 200);
      assert.equal(ruok.body['command'], 'ruok');
      await assert.rejects(plainGet(server.adminPort, '/commands/ruok'));
      // snapshot needs ALL on /: a verified certificate's subject is the caller.
      const anonymous = await https(server.adminPort, 'GET', '/commands/snapshot', {
        headers: { Authorization: 'x509' },
      });
      assert.equal(anonymous.status, 401);
      const alice = await https(server.adminPort, 'GET', '/commands/snapshot', {
        leaf: 'alice',
        headers: { Authorization: 'x509' },
      });
      assert.equal(alice.status, 200, JSON.stringify(alice.body));
      assert.match(String(alice.body['last_zxid']), /^0x/);
    },
  );

  it('x509 dashboard users see what their ACLs allow, on a TLS-only server', { skip }, async () => {
    const server = await start({ 'admin.forceHttps': 'true' });
    assert.equal(server.handle.port, server.securePort); // no plaintext client port
    const owner = await client(server.securePort, 'alice');
    const mine = [{ perms: Perm.all, id: { scheme: 'x509', id: subject('alice') } }];
    await owner.create('/alices', { data: 'for alice', acl: mine });
    const serverOnly = [{ perms: Perm.all, id: { scheme: 'x509', id: subject('server') } }];
    await owner.create('/servers', { data: 'for the server', acl: serverOnly });
    await owner.create('/open', { data: 'for anyone' });

    const alice = await logIn(server.adminPort, 'alice', { scheme: 'x509' });
    assert.equal(alice.answer.status, 200, JSON.stringify(alice.answer.body));
    assert.match(alice.answer.setCookie ?? '', /; Secure/);
    assert.deepEqual(
      (alice.answer.body['ids'] as { authScheme: string; user: string }[]).find(
        (id) => id.authScheme === 'x509',
      ),
      { authScheme: 'x509', user: subject('alice') },
    );
    const read = (headers: Record<string, string>, path: string) =>
      https(server.adminPort, 'GET', `/dashboard/api/node?path=${path}`, {
        leaf: 'alice',
        headers,
      });
    const seen = await read(alice.headers, '/alices');
    assert.equal(seen.status, 200, JSON.stringify(seen.body));
    assert.equal(Buffer.from(String(seen.body['data']), 'base64').toString(), 'for alice');
    // The dashboard's session showed the server's certificate; its identity is not alice's.
    assert.equal((await read(alice.headers, '/servers')).status, 403);

    const bob = await logIn(server.adminPort, 'bob', { scheme: 'x509' });
    assert.equal(bob.answer.status, 200);
    const refused = await read(bob.headers, '/alices');
    assert.equal(refused.status, 403);
    assert.equal(refused.body['error'], 'noAuth');
    assert.equal((await read(bob.headers, '/open')).status, 200);

    const noCertificate = await logIn(server.adminPort, undefined, { scheme: 'x509' });
    assert.equal(noCertificate.answer.status, 401);
    assert.match(String(noCertificate.answer.body['message']), /client certificate/);

    // Digest through the TLS-only server: a session, world's rights, nobody's certificate.
    const digest = await logIn(server.adminPort, undefined, {
      scheme: 'digest',
      user: 'carol',
      password: 'pw',
    });
    assert.equal(digest.answer.status, 200, JSON.stringify(digest.answer.body));
    const ids = digest.answer.body['ids'] as { authScheme: string }[];
    assert.deepEqual(ids.map((id) => id.authScheme).sort(), ['digest', 'ip']);
    assert.equal((await read(digest.headers, '/open')).status, 200);
    assert.equal((await read(digest.headers, '/servers')).status, 403);
  });

  it(
    'portUnification serves HTTP and HTTPS on one port; needClientAuth refuses no certificate',
    {
      skip,
    },
    async () => {
      const unified = await start({ 'admin.portUnification': 'true' });
      assert.equal((await https(unified.adminPort, 'GET', '/commands/ruok')).status, 200);
      assert.equal(await plainGet(unified.adminPort, '/commands/ruok'), 200);
      const strict = await start({ 'admin.forceHttps': 'true', 'admin.needClientAuth': 'true' });
      await assert.rejects(https(strict.adminPort, 'GET', '/commands/ruok'));
      const withCert = await https(strict.adminPort, 'GET', '/commands/ruok', { leaf: 'bob' });
      assert.equal(withCert.status, 200);
    },
  );
});

/** A plain-HTTP GET; resolves with the status, rejects when the port does not speak HTTP. */
function plainGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.setTimeout(3000, () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end();
  });
}
