/**
 * Certificates made at test time with the `openssl` command: a CA, and leaf certificates it
 * signs (SAN IP:127.0.0.1 and DNS:localhost), each written as ZooKeeper's stores take them:
 * one PEM file holding key and certificate, and a PKCS12 file with a password. Also a second
 * CA's leaf, which the first CA's trust store must refuse. EC P-256 keys: quick to make.
 *
 *   const reason = opensslMissing(); // skip the suite with this reason when set
 *   const pki = makeTestPki(dir, ['server', 'client']);
 *   pki.leaf('server').pemPath  // ssl.keyStore.location
 *   pki.caPath                   // ssl.trustStore.location
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TEST_STORE_PASSWORD = 'warren-test';

export interface TestLeaf {
  readonly name: string;
  /** The subject as written to openssl (`/O=Warren/OU=tests/CN=client`). */
  readonly subject: string;
  readonly keyPem: string;
  readonly certPem: string;
  /** Key and certificate in one PEM file (ZooKeeper's PEM key store). */
  readonly pemPath: string;
  /** PKCS12 key store holding key, certificate and CA, password TEST_STORE_PASSWORD. */
  readonly p12Path: string;
}

export interface TestPki {
  readonly dir: string;
  /** The CA certificate (a PEM trust store). */
  readonly caPath: string;
  readonly caPem: string;
  leaf(name: string): TestLeaf;
  /** A leaf signed by another CA: not trusted by caPath. */
  readonly stranger: TestLeaf;
}

/** Why certificates cannot be made here, or undefined when `openssl` works. */
export function opensslMissing(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'openssl is not installed (it makes the test certificates)';
  }
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  openssl(
    ['req', '-x509', '-new', '-key', key, '-days', '2', '-subj', `/O=Warren/CN=${name}`].concat([
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-out',
      cert,
    ]),
  );
  return { key, cert };
}

function makeLeaf(dir: string, name: string, subject: string, ca: { key: string; cert: string }) {
  const key = join(dir, `${name}.key`);
  const pkcs8 = join(dir, `${name}.pk8`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  openssl(['pkcs8', '-topk8', '-nocrypt', '-in', key, '-out', pkcs8]); // PemReader wants PKCS8
  openssl(['req', '-new', '-key', pkcs8, '-subj', subject, '-out', csr]);
  openssl(
    ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial'].concat([
      '-days',
      '2',
      '-extfile',
      ext,
      '-out',
      cert,
    ]),
  );
  const keyPem = readFileSync(pkcs8, 'utf8');
  const certPem = readFileSync(cert, 'utf8');
  const pemPath = join(dir, `${name}.pem`);
  writeFileSync(pemPath, keyPem + certPem);
  const p12Path = join(dir, `${name}.p12`);
  openssl(
    ['pkcs12', '-export', '-inkey', pkcs8, '-in', cert, '-certfile', ca.cert].concat([
      '-passout',
      `pass:${TEST_STORE_PASSWORD}`,
      '-out',
      p12Path,
    ]),
  );
  return { name, subject, keyPem, certPem, pemPath, p12Path };
}

/**
 * A CA in `dir` and one leaf per name, subject `/O=Warren/OU=tests/CN=<name>`. Throws when
 * openssl fails (check opensslMissing() first).
 */
export function makeTestPki(dir: string, names: readonly string[]): TestPki {
  const ca = makeCa(dir, 'warren-test-ca');
  const leaves = new Map<string, TestLeaf>();
  for (const name of names) {
    leaves.set(name, makeLeaf(dir, name, `/O=Warren/OU=tests/CN=${name}`, ca));
  }
  const otherCa = makeCa(dir, 'other-ca');
  const stranger = makeLeaf(dir, 'stranger', '/O=Elsewhere/CN=stranger', otherCa);
  return {
    dir,
    caPath: ca.cert,
    caPem: readFileSync(ca.cert, 'utf8'),
    stranger,
    leaf(name) {
      const leaf = leaves.get(name);
      if (leaf === undefined) throw new Error(`no test certificate named ${name}`);
      return leaf;
    },
  };
}
