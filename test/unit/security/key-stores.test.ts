// Proves that ZooKeeper's key and trust store settings load into Node TLS options that really
// work, and that every bad setting stops start-up naming key and line. Certificates are made
// at test time (test/support/test-certificates.ts); a real TLS handshake on 127.0.0.1 checks
// the loaded options, PEM and PKCS12 alike. The cipher table is checked against
// `openssl ciphers -stdname`, so a wrong OpenSSL name fails here rather than at a customer's.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/config-error.js';
import type { RawSetting, RawSettings } from '../../../src/config/raw-settings.js';
import { loadTls, type LoadedTls } from '../../../src/security/key-stores.js';
import { mappedCipherNames } from '../../../src/security/tls-names.js';
import { readTlsSettings } from '../../../src/security/tls-settings.js';
import {
  makeTestPki,
  opensslMissing,
  TEST_STORE_PASSWORD,
  type TestPki,
} from '../../support/test-certificates.js';

/** zoo.cfg lines 1, 2, … in the order given. */
function lines(entries: Record<string, string>): RawSettings {
  const map = new Map<string, RawSetting>();
  Object.entries(entries).forEach(([key, value], index) => {
    map.set(key, { value, where: { source: 'zoo.cfg', line: index + 1 } });
  });
  return map;
}

/** Asserts a ConfigError for `key` at `line` whose message matches every pattern. */
async function refuses(
  run: () => unknown,
  key: string,
  line: number,
  ...patterns: RegExp[]
): Promise<void> {
  await assert.rejects(
    () => Promise.resolve().then(run),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.key, key);
      assert.equal(error.where?.line, line);
      assert.match(error.message, new RegExp(`^zoo\\.cfg line ${line}: `));
      for (const pattern of patterns) assert.match(error.message, pattern);
      return true;
    },
  );
}

/** A TLS handshake: server and client options; resolves with what the server saw. */
async function handshake(
  server: tls.TlsOptions,
  client: tls.ConnectionOptions,
): Promise<{ serverAuthorized: boolean; peerSubject: string }> {
  const listener = tls.createServer(server);
  const seen = new Promise<{ serverAuthorized: boolean; peerSubject: string }>(
    (resolve, reject) => {
      listener.on('tlsClientError', reject);
      listener.on('secureConnection', (socket) => {
        const peer = socket.getPeerCertificate();
        resolve({ serverAuthorized: socket.authorized, peerSubject: String(peer.subject?.CN) });
        socket.end();
      });
    },
  );
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as AddressInfo;
  const socket = tls.connect({ ...client, host: '127.0.0.1', port });
  socket.on('error', () => undefined); // the server's verdict is what is checked
  try {
    return await seen;
  } finally {
    socket.destroy();
    listener.close();
  }
}

const skip = opensslMissing();

describe('key stores (ssl.* and ssl.quorum.*)', { skip }, () => {
  let dir = '';
  let pki: TestPki;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'warren-stores-'));
    pki = makeTestPki(dir, ['server', 'client']);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function pemServer(extra: Record<string, string> = {}): Promise<LoadedTls> {
    return loadTls(
      'ssl.',
      lines({
        'ssl.keyStore.location': pki.leaf('server').pemPath,
        'ssl.trustStore.location': pki.caPath,
        ...extra,
      }),
    );
  }

  it('loads a PEM key store (key and chain in one file) and a PEM trust store', async () => {
    const server = await pemServer();
    const client = await loadTls(
      'ssl.',
      lines({
        'ssl.keyStore.location': pki.leaf('client').pemPath,
        'ssl.trustStore.location': pki.caPath,
      }),
    );
    assert.deepEqual(server.files, [pki.leaf('server').pemPath, pki.caPath]);
    const seen = await handshake(
      { ...server.options, requestCert: true, rejectUnauthorized: true },
      { ...client.options, servername: 'localhost' },
    );
    assert.deepEqual(seen, { serverAuthorized: true, peerSubject: 'client' });
  });

  it('loads PKCS12 key stores with their password (type from the .p12 extension)', async () => {
    const server = await loadTls(
      'ssl.quorum.',
      lines({
        'ssl.quorum.keyStore.location': pki.leaf('server').p12Path,
        'ssl.quorum.keyStore.password': TEST_STORE_PASSWORD,
        'ssl.quorum.trustStore.location': pki.caPath,
      }),
    );
    assert.equal(server.settings.keyStore?.type, 'PKCS12');
    const client = await loadTls(
      'ssl.',
      lines({
        'zookeeper.ssl.keyStore.location': pki.leaf('client').p12Path,
        'zookeeper.ssl.keyStore.password': TEST_STORE_PASSWORD,
        'zookeeper.ssl.trustStore.location': pki.caPath,
      }),
    );
    const seen = await handshake(
      { ...server.options, requestCert: true, rejectUnauthorized: true },
      { ...client.options, servername: 'localhost' },
    );
    assert.deepEqual(seen, { serverAuthorized: true, peerSubject: 'client' });
  });

  it('a trust store does not trust a certificate from another CA', async () => {
    const server = await pemServer();
    const stranger = { key: pki.stranger.keyPem, cert: pki.stranger.certPem };
    const result = await handshake(
      { ...server.options, requestCert: true, rejectUnauthorized: false },
      { ...stranger, ca: server.options.ca, servername: 'localhost' },
    );
    assert.equal(result.serverAuthorized, false);
  });

  it('reads the password from passwordPath, which wins, dropping one newline', async () => {
    const file = join(dir, 'password.txt');
    writeFileSync(file, `${TEST_STORE_PASSWORD}\n`);
    const loaded = await loadTls(
      'ssl.',
      lines({
        'ssl.keyStore.location': pki.leaf('server').p12Path,
        'ssl.keyStore.password': 'wrong',
        'ssl.keyStore.passwordPath': file,
      }),
    );
    assert.deepEqual(loaded.files, [file, pki.leaf('server').p12Path]);
  });

  it('an explicit type wins over the extension', async () => {
    const odd = join(dir, 'server-store.crt');
    writeFileSync(odd, pki.leaf('server').keyPem + pki.leaf('server').certPem);
    const loaded = await loadTls(
      'ssl.',
      lines({ 'ssl.keyStore.location': odd, 'ssl.keyStore.type': 'pem' }),
    );
    assert.equal(loaded.settings.keyStore?.type, 'PEM');
    await refuses(
      () => loadTls('ssl.', lines({ 'ssl.keyStore.location': odd })),
      'ssl.keyStore.location',
      1,
      /cannot tell the store type of '.*server-store\.crt'/,
      /set ssl\.keyStore\.type/,
    );
  });

  it('refuses a wrong PKCS12 password, naming the location line and the file', async () => {
    await refuses(
      () =>
        loadTls(
          'ssl.',
          lines({
            'ssl.trustStore.location': pki.caPath,
            'ssl.keyStore.location': pki.leaf('server').p12Path,
            'ssl.keyStore.password': 'not-it',
          }),
        ),
      'ssl.keyStore.location',
      2,
      /PKCS12 store .*server\.p12 cannot be used/,
    );
  });

  it('refuses JKS with the keytool command that converts it', async () => {
    const jks = join(dir, 'keys.jks');
    writeFileSync(jks, 'not read');
    await refuses(
      () => loadTls('ssl.', lines({ 'ssl.keyStore.location': jks })),
      'ssl.keyStore.location',
      1,
      new RegExp(
        `keytool -importkeystore -srckeystore ${jks} -destkeystore ${join(dir, 'keys')}\\.p12 ` +
          '-deststoretype PKCS12',
      ),
    );
    await refuses(
      () =>
        loadTls(
          'ssl.',
          lines({ 'ssl.trustStore.location': pki.caPath, 'ssl.trustStore.type': 'JKS' }),
        ),
      'ssl.trustStore.type',
      2,
      /is a JKS key store, which only Java reads/,
    );
  });

  it('refuses stores that are missing, empty, mismatched or PKCS12 trust stores', async () => {
    await refuses(
      () => loadTls('ssl.', lines({ 'ssl.keyStore.location': join(dir, 'absent.pem') })),
      'ssl.keyStore.location',
      1,
      /absent\.pem cannot be read/,
    );
    await refuses(
      () => loadTls('ssl.', lines({ 'ssl.trustStore.location': pki.leaf('server').p12Path })),
      'ssl.trustStore.location',
      1,
      /openssl pkcs12 -in .*server\.p12 -nokeys -out .*server\.pem/,
    );
    const certOnly = join(dir, 'cert-only.pem');
    writeFileSync(certOnly, pki.leaf('server').certPem);
    await refuses(
      () => loadTls('ssl.', lines({ 'ssl.keyStore.location': certOnly })),
      'ssl.keyStore.location',
      1,
      /holds no private key/,
    );
    const mixed = join(dir, 'mixed.pem');
    writeFileSync(mixed, pki.leaf('client').keyPem + pki.leaf('server').certPem);
    await refuses(
      () => loadTls('ssl.', lines({ 'ssl.keyStore.location': mixed })),
      'ssl.keyStore.location',
      1,
      /private key that does not belong to its first certificate/,
    );
    const keyOnly = join(dir, 'key-only.pem');
    writeFileSync(keyOnly, pki.leaf('client').keyPem);
    await refuses(
      () => loadTls('ssl.', lines({ 'ssl.trustStore.location': keyOnly })),
      'ssl.trustStore.location',
      1,
      /holds no certificate/,
    );
  });
});

describe('TLS settings (protocols, suites, client auth, hostname checks)', () => {
  const read = (entries: Record<string, string>, prefix = 'ssl.') =>
    readTlsSettings(prefix, lines(entries));

  it('has ZooKeeper 3.9 defaults: TLSv1.2–1.3, clientAuth need, hostname checks on', () => {
    const settings = read({});
    assert.deepEqual(settings.protocols, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
    assert.equal(settings.clientAuth, 'need');
    assert.equal(settings.hostnameVerification, true);
    assert.equal(settings.clientHostnameVerification, false); // ClientX509Util
    assert.equal(read({}, 'ssl.quorum.').clientHostnameVerification, true); // QuorumX509Util
    assert.equal(settings.keyStore, null);
    assert.equal(settings.ciphers, undefined);
  });

  it('maps protocol and enabledProtocols to a Node version range', () => {
    const range = (entries: Record<string, string>) => read(entries).protocols;
    assert.deepEqual(range({ 'ssl.protocol': 'TLSv1.2' }), {
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
    });
    assert.deepEqual(range({ 'ssl.protocol': 'TLSv1.2', 'ssl.enabledProtocols': 'TLSv1.3' }), {
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
    });
    assert.deepEqual(range({ 'ssl.enabledProtocols': 'TLSv1.3, TLSv1.2' }), {
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
    });
  });

  it('refuses protocols Node does not offer, naming the key', async () => {
    await refuses(() => read({ 'ssl.protocol': 'TLSv1.1' }), 'ssl.protocol', 1, /RFC 8996/);
    await refuses(
      () => read({ 'ssl.clientAuth': 'want', 'ssl.enabledProtocols': 'TLSv1.2,TLSv1' }),
      'ssl.enabledProtocols',
      2,
      /'TLSv1' is not offered/,
    );
  });

  it('maps IANA cipher suite names to OpenSSL names, and refuses unknown ones', async () => {
    const settings = read({
      'ssl.ciphersuites':
        'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,' +
        'TLS_EMPTY_RENEGOTIATION_INFO_SCSV',
    });
    assert.equal(settings.ciphers, 'ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384');
    await refuses(
      () => read({ 'ssl.ciphersuites': 'TLS_RSA_WITH_RC4_128_SHA' }),
      'ssl.ciphersuites',
      1,
      /Node cannot do 'TLS_RSA_WITH_RC4_128_SHA'/,
    );
  });

  it('maps every suite to the name openssl itself gives it', { skip }, () => {
    const listing = execFileSync('openssl', ['ciphers', '-stdname', 'ALL'], { encoding: 'utf8' });
    const byIana = new Map(
      listing
        .split('\n')
        .map((line) => line.split(/\s+-\s+/))
        .filter((parts) => parts.length >= 2)
        .map((parts) => [parts[0]?.trim() ?? '', parts[1]?.split(/\s+/)[0] ?? '']),
    );
    for (const [iana, openssl] of mappedCipherNames()) {
      const expected = byIana.get(iana);
      if (expected !== undefined) assert.equal(openssl, expected, iana);
    }
  });

  it('reads clientAuth and hostname settings strictly', async () => {
    assert.equal(read({ 'ssl.clientAuth': 'WANT' }).clientAuth, 'want');
    assert.equal(read({ 'ssl.clientAuth': 'none' }).clientAuth, 'none');
    assert.equal(read({ 'ssl.clientAuth': '' }).clientAuth, 'need');
    assert.equal(read({ 'ssl.hostnameVerification': 'FALSE' }).hostnameVerification, false);
    const both = read({ 'ssl.clientHostnameVerification': 'true' });
    assert.equal(both.clientHostnameVerification, true);
    const off = read({
      'ssl.clientHostnameVerification': 'true',
      'ssl.hostnameVerification': 'false',
    });
    assert.equal(off.clientHostnameVerification, false);
    await refuses(() => read({ 'ssl.clientAuth': 'maybe' }), 'ssl.clientAuth', 1, /none, want/);
    await refuses(
      () => read({ 'ssl.protocol': 'TLSv1.3', 'ssl.hostnameVerification': 'yes' }),
      'ssl.hostnameVerification',
      2,
      /must be true or false, got 'yes'/,
    );
  });

  it('refuses settings Warren cannot honour', async () => {
    await refuses(() => read({ 'ssl.crl': 'true' }), 'ssl.crl', 1, /revocation/);
    await refuses(() => read({ 'ssl.ocsp': 'true' }), 'ssl.ocsp', 1, /revocation/);
    assert.equal(read({ 'ssl.crl': 'false' }).clientAuth, 'need');
    await refuses(
      () => read({ 'ssl.context.supplier.class': 'com.example.Supplier' }),
      'ssl.context.supplier.class',
      1,
      /cannot load Java classes/,
    );
    await refuses(() => read({ 'ssl.authProvider': 'custom' }), 'ssl.authProvider', 1, /x509/);
    await refuses(
      () => read({ 'ssl.quorum.keyStore.location': 'keys.bin' }, 'ssl.quorum.'),
      'ssl.quorum.keyStore.location',
      1,
      /set ssl\.quorum\.keyStore\.type/,
    );
  });
});
