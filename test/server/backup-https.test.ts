/**
 * `warren backup` against an AdminServer that speaks HTTPS only (admin.forceHttps) and wants
 * a client certificate (admin.needClientAuth), with certificates made by openssl in the test:
 * --ca, --cert and --key with `--auth x509` (the certificate subject is the caller) give a
 * verified backup, and digest credentials pass over the same TLS; without the CA, or without
 * a client certificate, the backup fails with a sentence saying so and writes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connected } from '../client/support.js';
import { freePort, LOOPBACK_HOST } from '../support/ports.js';
import { makeTestPki, opensslMissing, type TestPki } from '../support/test-certificates.js';
import { runWarren } from '../support/warren-cli.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

describe('warren backup over HTTPS', () => {
  const skip = opensslMissing();
  const root = mkdtempSync(join(tmpdir(), 'warren-backup-https-'));
  let pki: TestPki;
  let server: RunningServer | undefined;
  let admin: string;
  const files = { cert: join(root, 'alice.crt'), key: join(root, 'alice.key') };

  before(async () => {
    if (skip !== undefined) return;
    pki = makeTestPki(root, ['server', 'alice']);
    writeFileSync(files.cert, pki.leaf('alice').certPem);
    writeFileSync(files.key, pki.leaf('alice').keyPem);
    const adminPort = await freePort();
    admin = `${LOOPBACK_HOST}:${adminPort}`;
    server = await startWarren({
      dataDir: join(root, 'data'),
      config: {
        'admin.enableServer': 'true',
        'admin.serverAddress': LOOPBACK_HOST,
        'admin.serverPort': String(adminPort),
        'admin.forceHttps': 'true',
        'admin.needClientAuth': 'true',
        'ssl.quorum.keyStore.location': pki.leaf('server').pemPath,
        'ssl.quorum.trustStore.location': pki.caPath,
      },
    });
    const client = await connected(server.connectString);
    try {
      await client.create('/secured', { data: 'by tls' });
    } finally {
      await client.close();
    }
  });
  after(async () => {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const backup = (out: string, ...extra: string[]) =>
    runWarren(['backup', '--server', admin, '--out', join(root, out), ...extra]);
  const tls = () => ['--ca', pki.caPath, '--cert', files.cert, '--key', files.key];

  it('backs up with the client certificate as the x509 identity', { skip }, async () => {
    const run = await backup('x509.snapshot', '--auth', 'x509', ...tls());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /backup of .* in .*x509\.snapshot/);
    const listing = await runWarren([
      'inspect',
      '--compare',
      join(root, 'x509.snapshot'),
      join(root, 'x509.snapshot'),
    ]);
    assert.equal(listing.code, 0, listing.stdout + listing.stderr);
  });

  it('takes digest credentials over the same TLS', { skip }, async () => {
    // The snapshot command runs once a minute, after authentication: its 429 (the x509
    // backup just ran) shows the TLS handshake and the digest credentials passed.
    const run = await backup('digest.snapshot', '--auth', 'admin:secret', ...tls());
    assert.match(run.stderr, /answered 429: rate limited/);
  });

  it('says what is missing without the CA or the client certificate', { skip }, async () => {
    const noCa = await backup(
      'no-ca.snapshot',
      '--auth',
      'x509',
      '--cert',
      files.cert,
      '--key',
      files.key,
    );
    assert.notEqual(noCa.code, 0);
    assert.match(noCa.stderr, /cannot reach the AdminServer at https:.*--ca/);
    const noCert = await backup('no-cert.snapshot', '--auth', 'admin:secret', '--ca', pki.caPath);
    assert.notEqual(noCert.code, 0);
    assert.match(noCert.stderr, /cannot reach the AdminServer at https:/);
    const plain = await backup('plain.snapshot', '--auth', 'admin:secret');
    assert.notEqual(plain.code, 0);
    assert.match(plain.stderr, /--https/);
    const half = await backup('half.snapshot', '--auth', 'x509', '--cert', files.cert);
    assert.match(half.stderr, /--cert and --key go together/);
    for (const name of ['no-ca', 'no-cert', 'plain', 'half']) {
      assert.equal(existsSync(join(root, `${name}.snapshot`)), false);
      assert.equal(existsSync(join(root, `${name}.snapshot.partial`)), false);
    }
  });
});
