// Proves the TLS client port end to end, in process, on real sockets: Warren's own client
// runs requests over secureClientPort; a plaintext client gets nothing from it; a TLS-only
// zoo.cfg leaves no plaintext listener in the process (read from /proc); clientAuth=need
// refuses a client without a certificate, want admits it but refuses an untrusted one; with
// both ports set, both serve; a replaced key store is served without a restart. Then the
// x509 scheme: the certificate subject (RFC 2253, as the JDK prints it) is the connection's
// identity, an x509 ACL admits exactly that client, and X509AuthenticationProvider.superUser
// makes a certificate super.
import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { createClient, Perm, type ZooKeeperClient } from '../../src/client/index.js';
import { parseZooCfg } from '../../src/config/config.js';
import { nodeEnvironment } from '../../src/member/node-environment.js';
import { startMember, type MemberHandle } from '../../src/member/start-member.js';
import { loadClientTls } from '../../src/security/client-tls.js';
import { freePort } from '../support/ports.js';
import { makeTestPki, opensslMissing, type TestPki } from '../support/test-certificates.js';

const logger = pino({ level: 'silent' });

interface Running {
  handle: MemberHandle;
  securePort: number;
  dir: string;
}

async function startServer(root: string, lines: Record<string, string>): Promise<Running> {
  const dir = mkdtempSync(join(root, 'server-'));
  const securePort = await freePort();
  const text = Object.entries({
    dataDir: dir,
    tickTime: '200',
    secureClientPort: String(securePort),
    secureClientPortAddress: '127.0.0.1',
    ...lines,
  })
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
  const { config, raw } = parseZooCfg(text, 'zoo.cfg');
  const clientTls = await loadClientTls(config, raw);
  const onFatal = (error: Error) => {
    throw error;
  };
  const env = nodeEnvironment(logger, onFatal, undefined, clientTls);
  const handle = await startMember(config, env);
  return { handle, securePort, dir };
}

/** The TCP ports this process listens on (its own sockets, matched in /proc/net/tcp*). */
function listeningPorts(): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match?.[1] !== undefined) inodes.add(match[1]);
    } catch {
      // the fd closed while we looked
      continue;
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (state === '0A' && inode !== undefined && inodes.has(inode) && local !== undefined) {
        ports.add(parseInt(local.split(':')[1] ?? '0', 16));
      }
    }
  }
  return ports;
}

const QUICK = { connectTimeoutMs: 500, initialConnectTimeoutMs: 1500 };

const skip = opensslMissing();

describe('secureClientPort, clientAuth and the x509 scheme', { skip }, () => {
  let root = '';
  let pki: TestPki;
  const clients: ZooKeeperClient[] = [];

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'warren-client-tls-'));
    pki = makeTestPki(root, ['server', 'client', 'admin']);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  function tlsClient(port: number, leaf: string | null, ca = pki.caPem, quick = false) {
    const cert = leaf === null ? {} : { key: pki.leaf(leaf).keyPem, cert: pki.leaf(leaf).certPem };
    const client = createClient(`127.0.0.1:${port}`, {
      tls: { ca, ...cert },
      ...(quick ? QUICK : {}),
    });
    clients.push(client);
    return client;
  }

  async function closeClients(): Promise<void> {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  }

  const stores = () => ({
    'ssl.keyStore.location': pki.leaf('server').pemPath,
    'ssl.trustStore.location': pki.caPath,
  });

  it('TLS only: requests over TLS, no plaintext listener, need refuses no certificate', async () => {
    const server = await startServer(root, stores());
    try {
      assert.equal(server.handle.port, server.securePort);
      assert.deepEqual([...listeningPorts()], [server.securePort]);
      const client = tlsClient(server.securePort, 'client');
      await client.connect();
      await client.create('/over-tls', { data: 'sealed' });
      assert.equal((await client.getData('/over-tls')).data?.toString(), 'sealed');
      const plain = createClient(`127.0.0.1:${server.securePort}`, QUICK);
      clients.push(plain);
      await assert.rejects(plain.connect());
      await assert.rejects(tlsClient(server.securePort, null, pki.caPem, true).connect());
    } finally {
      await closeClients();
      await server.handle.close();
    }
  });

  it('clientAuth=want admits a client without a certificate, not an untrusted one', async () => {
    const server = await startServer(root, { ...stores(), 'ssl.clientAuth': 'want' });
    try {
      const anonymous = tlsClient(server.securePort, null);
      await anonymous.connect();
      const ids = await anonymous.whoAmI();
      assert.deepEqual(
        ids.map((id) => id.authScheme),
        ['ip'],
      );
      const stranger = createClient(`127.0.0.1:${server.securePort}`, {
        tls: { ca: pki.caPem, key: pki.stranger.keyPem, cert: pki.stranger.certPem },
        ...QUICK,
      });
      clients.push(stranger);
      await assert.rejects(stranger.connect());
    } finally {
      await closeClients();
      await server.handle.close();
    }
  });

  it('clientPort and secureClientPort together: both serve', async () => {
    const plainPort = await freePort();
    const server = await startServer(root, {
      ...stores(),
      clientPort: String(plainPort),
      clientPortAddress: '127.0.0.1',
    });
    try {
      const ports = listeningPorts();
      assert.ok(ports.has(plainPort) && ports.has(server.securePort), [...ports].join(','));
      const plain = createClient(`127.0.0.1:${plainPort}`);
      clients.push(plain);
      await plain.connect();
      await plain.create('/plain');
      const secure = tlsClient(server.securePort, 'client');
      await secure.connect();
      assert.ok((await secure.exists('/plain')) !== null);
    } finally {
      await closeClients();
      await server.handle.close();
    }
  });

  it('serves a replaced key store without a restart', async () => {
    const store = join(root, 'rotating.pem');
    copyFileSync(pki.leaf('server').pemPath, store);
    const server = await startServer(root, {
      'ssl.keyStore.location': store,
      'ssl.trustStore.location': pki.caPath,
      'ssl.clientAuth': 'none',
    });
    const next = makeTestPki(mkdtempSync(join(root, 'next-')), ['server']);
    try {
      const before = tlsClient(server.securePort, null, next.caPem, true);
      await assert.rejects(before.connect(), 'the new CA is not trusted yet');
      copyFileSync(next.leaf('server').pemPath, store);
      let served = false;
      for (let attempt = 0; attempt < 20 && !served; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const probe = tlsClient(server.securePort, null, next.caPem, true);
        served = await probe.connect().then(
          () => true,
          () => false,
        );
      }
      assert.ok(served, 'the new certificate was not served within 10 s');
    } finally {
      await closeClients();
      await server.handle.close();
    }
  });

  it('x509: the subject is the identity, x509 ACLs match it, superUser is super', async () => {
    const adminSubject = 'CN=admin,OU=tests,O=Warren';
    const server = await startServer(root, {
      ...stores(),
      'X509AuthenticationProvider.superUser': adminSubject,
    });
    try {
      const client = tlsClient(server.securePort, 'client');
      await client.connect();
      const ids = await client.whoAmI();
      assert.deepEqual(
        ids.find((id) => id.authScheme === 'x509'),
        { authScheme: 'x509', user: 'CN=client,OU=tests,O=Warren' },
      );
      const own = [{ perms: Perm.all, id: { scheme: 'x509', id: 'CN=client,OU=tests,O=Warren' } }];
      await client.create('/mine', { data: 'x', acl: own });
      assert.equal((await client.getData('/mine')).data?.toString(), 'x');
      const other = [{ perms: Perm.all, id: { scheme: 'x509', id: 'CN=someone,O=Warren' } }];
      await client.create('/theirs', { data: 'y', acl: other });
      await assert.rejects(client.getData('/theirs'), /NoAuth/i);
      const admin = tlsClient(server.securePort, 'admin');
      await admin.connect();
      assert.ok((await admin.whoAmI()).some((id) => id.authScheme === 'super'));
      assert.equal((await admin.getData('/theirs')).data?.toString(), 'y');
      assert.equal((await admin.getData('/mine')).data?.toString(), 'x');
    } finally {
      await closeClients();
      await server.handle.close();
    }
  });
});
