/**
 * Key and trust stores as ZooKeeper names them (`<prefix>keyStore.*`, `<prefix>trustStore.*`),
 * loaded into Node `tls` options; shared by the client port (`ssl.`) and the peers
 * (`ssl.quorum.`). A PEM key store is one file holding the private key and the certificate
 * chain (ZooKeeper's PemReader reads both from the same file); a PEM trust store is every
 * certificate in its file. A PKCS12 key store is handed to Node as `pfx`. JKS and BCFKS are
 * Java's own formats: tls-settings.ts refuses them with the keytool command that converts.
 * Every failure is a ConfigError naming the `.location` line and the file.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ConfigError, prefixOf } from '../config/config-error.js';
import type { RawSettings } from '../config/raw-settings.js';
import { readTlsSettings, type StoreSettings, type TlsSettings } from './tls-settings.js';

export interface LoadedTls {
  readonly settings: TlsSettings;
  /** For tls.createServer, tls.connect and server.setSecureContext. */
  readonly options: SecureContextOptions;
  /** The files read (stores and password files): a change to one calls for a reload. */
  readonly files: readonly string[];
}

/** Reads the settings under `prefix` (`ssl.`, `ssl.quorum.`) and loads their stores. */
export async function loadTls(prefix: string, raw: RawSettings): Promise<LoadedTls> {
  return loadStores(readTlsSettings(prefix, raw));
}

/** Loads (or reloads) the stores of checked settings. Throws ConfigError. */
export async function loadStores(settings: TlsSettings): Promise<LoadedTls> {
  const options: SecureContextOptions = {
    minVersion: settings.protocols.minVersion,
    maxVersion: settings.protocols.maxVersion,
  };
  if (settings.ciphers !== undefined) options.ciphers = settings.ciphers;
  const files: string[] = [];
  if (settings.keyStore !== null) {
    Object.assign(options, await loadKeyStore(settings.keyStore, files));
  }
  if (settings.trustStore !== null) {
    options.ca = await loadTrustStore(settings.trustStore, files);
  }
  return { settings, options, files };
}

async function loadKeyStore(store: StoreSettings, files: string[]): Promise<SecureContextOptions> {
  const password = await storePassword(store, files);
  const bytes = await readStoreFile(store, files);
  if (store.type === 'PKCS12') {
    const options = { pfx: bytes, passphrase: password };
    check(store, () => createSecureContext(options));
    return options;
  }
  const text = bytes.toString('latin1');
  const keyPem = PRIVATE_KEY.exec(text)?.[0];
  if (keyPem === undefined) throw storeError(store, 'holds no private key');
  const certs = certificates(text);
  if (certs.length === 0) throw storeError(store, 'holds no certificate');
  const key = check(store, () => privateKey(keyPem, password));
  const leaf = check(store, () => new X509Certificate(certs[0] ?? ''));
  if (!leaf.checkPrivateKey(key)) {
    throw storeError(store, 'has a private key that does not belong to its first certificate');
  }
  const options = { key: [{ pem: keyPem, passphrase: password }], cert: certs.join('\n') };
  check(store, () => createSecureContext(options));
  return options;
}

async function loadTrustStore(store: StoreSettings, files: string[]): Promise<string[]> {
  await storePassword(store, files); // a PEM trust store has none, but a bad path is an error
  const bytes = await readStoreFile(store, files);
  if (store.type === 'PKCS12') {
    throw storeError(
      store,
      'is a PKCS12 trust store, which Node cannot read; convert it to PEM with: ' +
        `openssl pkcs12 -in ${store.path} -nokeys -out ${store.path.replace(/\.p12$/, '')}.pem`,
    );
  }
  const certs = certificates(bytes.toString('latin1'));
  if (certs.length === 0) throw storeError(store, 'holds no certificate');
  certs.forEach((pem) => check(store, () => new X509Certificate(pem)));
  return certs;
}

// PemReader's patterns: any "… PRIVATE KEY" block, and every "… CERTIFICATE" block.
const PRIVATE_KEY =
  /-+BEGIN\s+[^-]*PRIVATE\s+KEY[^-]*-+[\sA-Za-z0-9+/=]+-+END\s+[^-]*PRIVATE\s+KEY[^-]*-+/;
const CERTIFICATE =
  /-+BEGIN\s+[^-]*CERTIFICATE[^-]*-+[\sA-Za-z0-9+/=]+-+END\s+[^-]*CERTIFICATE[^-]*-+/g;

function certificates(text: string): string[] {
  return [...text.matchAll(CERTIFICATE)].map((match) => match[0]);
}

/** An unencrypted key when the password is empty, as PemReader reads it. */
function privateKey(pem: string, password: string): KeyObject {
  return password === ''
    ? createPrivateKey(pem)
    : createPrivateKey({ key: pem, passphrase: password });
}

/** `.passwordPath` wins over `.password`; one trailing newline is dropped (SecretUtils). */
async function storePassword(store: StoreSettings, files: string[]): Promise<string> {
  if (store.passwordPath === null) return store.password;
  let text: string;
  try {
    text = await readFile(store.passwordPath, 'utf8');
  } catch (error) {
    throw storeError(store, `has a password file ${store.passwordPath} that cannot be read`, error);
  }
  files.push(store.passwordPath);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

async function readStoreFile(store: StoreSettings, files: string[]): Promise<Buffer> {
  try {
    const bytes = await readFile(store.path);
    files.push(store.path);
    return bytes;
  } catch (error) {
    throw storeError(store, 'cannot be read', error);
  }
}

/** Runs a Node or OpenSSL check; its failure becomes a ConfigError about the store. */
function check<T>(store: StoreSettings, run: () => T): T {
  try {
    return run();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw storeError(store, `cannot be used (${reason}; is the password right?)`, error);
  }
}

function storeError(store: StoreSettings, what: string, cause?: unknown): ConfigError {
  const { key, where } = store.origin;
  const reason =
    cause instanceof Error && !what.includes('cannot be used') ? ` (${cause.message})` : '';
  return new ConfigError(
    `${prefixOf(where)}${key}: ${store.type} store ${store.path} ${what}${reason}`,
    key,
    where,
    cause === undefined ? undefined : { cause },
  );
}
