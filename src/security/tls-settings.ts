/**
 * The TLS settings of one ZooKeeper X509Util prefix (`ssl.` for the client port, `ssl.quorum.`
 * for peers), read from zoo.cfg lines and checked without touching the key store files
 * (key-stores.ts loads those). Names, defaults and meanings are ZooKeeper 3.9's (X509Util,
 * ClientX509Util, QuorumX509Util, SSLContextAndOptions, KeyStoreFileType). Where ZooKeeper
 * would quietly weaken something (a boolean it cannot read becomes false) or Warren cannot do
 * what is asked, start-up stops with a ConfigError naming the key and its line.
 */
import { createSecureContext, getCiphers } from 'node:tls';
import { ConfigError, invalidValue, prefixOf } from '../config/config-error.js';
import { TLS_SETTING_NAMES } from '../config/config-tls.js';
import { findSetting, type FoundSetting, type RawSettings } from '../config/raw-settings.js';
import {
  contextProtocolRange,
  nodeProtocol,
  openSslCipher,
  RENEGOTIATION_SCSV,
  type ProtocolRange,
} from './tls-names.js';

export type StoreType = 'PEM' | 'PKCS12';
export type ClientAuth = 'none' | 'want' | 'need';

export interface StoreSettings {
  /** As written; relative paths are relative to the working directory, as in ZooKeeper. */
  readonly path: string;
  readonly type: StoreType;
  /** `.password`; empty when unset. A `.passwordPath` file, when set, wins (read at load). */
  readonly password: string;
  readonly passwordPath: string | null;
  /** The `.location` line, named by load errors. */
  readonly origin: FoundSetting;
}

export interface TlsSettings {
  readonly prefix: string;
  readonly keyStore: StoreSettings | null;
  readonly trustStore: StoreSettings | null;
  readonly protocols: ProtocolRange;
  /** OpenSSL names joined by ':' (Node's `ciphers`); undefined: Node's defaults. */
  readonly ciphers: string | undefined;
  /** What a server asks of its clients; ZooKeeper's default is need. */
  readonly clientAuth: ClientAuth;
  /** A client checks the server's name (ZooKeeper: hostnameVerification, default true). */
  readonly hostnameVerification: boolean;
  /**
   * A server checks the connecting client's address against its certificate: needs both
   * hostnameVerification and clientHostnameVerification (default false for `ssl.`, true for
   * `ssl.quorum.`), as in X509Util.isClientHostnameVerificationEnabled.
   */
  readonly clientHostnameVerification: boolean;
}

/** Whether `name` (the part after the prefix) is a setting ZooKeeper's X509Util reads. */
export function isKnownTlsName(name: string): boolean {
  return TLS_SETTING_NAMES.includes(name);
}

/** Reads and checks the settings under `prefix`. Throws ConfigError. */
export function readTlsSettings(prefix: string, raw: RawSettings): TlsSettings {
  const find = (name: string) => findSetting(raw, prefix + name);
  refuseUnsupported(find);
  const serverSide = prefix === 'ssl.quorum.';
  const hostnameVerification = readBoolean(find('hostnameVerification'), true);
  const clientHostname = readBoolean(find('clientHostnameVerification'), serverSide);
  readBoolean(find('allowReverseDnsLookup'), serverSide); // no effect: Warren matches IP SANs
  return {
    prefix,
    keyStore: readStore(prefix, 'keyStore', find),
    trustStore: readStore(prefix, 'trustStore', find),
    protocols: readProtocols(prefix, find),
    ciphers: readCiphers(find('ciphersuites')),
    clientAuth: readClientAuth(find('clientAuth')),
    hostnameVerification,
    clientHostnameVerification: hostnameVerification && clientHostname,
  };
}

type Find = (name: string) => FoundSetting | undefined;

function refuseUnsupported(find: Find): void {
  for (const name of ['crl', 'ocsp']) {
    if (readBoolean(find(name), false)) {
      throw refusal(find(name), 'Warren does not check certificate revocation yet (CRL, OCSP)');
    }
  }
  const supplier = find('context.supplier.class');
  if (supplier !== undefined) {
    throw refusal(supplier, 'Warren cannot load Java classes; give key and trust stores');
  }
  const authProvider = find('authProvider');
  if (authProvider !== undefined && authProvider.value !== 'x509') {
    throw refusal(authProvider, `Warren authenticates TLS clients with x509 only`);
  }
  const timeout = find('handshakeDetectionTimeoutMillis');
  if (timeout !== undefined && !/^[+-]?[0-9]+$/.test(timeout.value)) {
    throw invalidValue(timeout.key, 'an integer (milliseconds)', timeout.value, timeout.where);
  }
  const provider = find('sslProvider');
  if (provider !== undefined && !['JDK', 'OPENSSL'].includes(provider.value)) {
    throw invalidValue(provider.key, 'JDK or OPENSSL', provider.value, provider.where);
  }
}

function refusal(setting: FoundSetting | undefined, why: string): ConfigError {
  const key = setting?.key ?? '';
  return new ConfigError(
    `${prefixOf(setting?.where)}${key}=${setting?.value ?? ''} is not supported: ${why}`,
    key,
    setting?.where,
  );
}

/**
 * true/false in any case. ZooKeeper reads anything else as false (Boolean.parseBoolean), which
 * would turn a check off on a typo: Warren refuses it instead.
 */
function readBoolean(setting: FoundSetting | undefined, fallback: boolean): boolean {
  if (setting === undefined) return fallback;
  const value = setting.value.toLowerCase();
  if (value === 'true' || value === 'false') return value === 'true';
  throw invalidValue(setting.key, 'true or false', setting.value, setting.where);
}

function readClientAuth(setting: FoundSetting | undefined): ClientAuth {
  // X509Util.ClientAuth.fromPropertyValue: unset or empty means NEED.
  if (setting === undefined || setting.value === '') return 'need';
  const value = setting.value.toLowerCase();
  if (value === 'none' || value === 'want' || value === 'need') return value;
  throw invalidValue(setting.key, 'none, want or need', setting.value, setting.where);
}

function readStore(prefix: string, store: string, find: Find): StoreSettings | null {
  const location = find(`${store}.location`);
  const password = find(`${store}.password`)?.value ?? '';
  const passwordPath = find(`${store}.passwordPath`)?.value ?? '';
  const typeSetting = find(`${store}.type`);
  if (location === undefined || location.value === '') return null;
  const type = storeType(location, typeSetting, `${prefix}${store}.type`);
  return {
    path: location.value,
    type,
    password,
    passwordPath: passwordPath === '' ? null : passwordPath,
    origin: location,
  };
}

const EXTENSIONS: ReadonlyArray<readonly [string, string]> = [
  ['.jks', 'JKS'],
  ['.pem', 'PEM'],
  ['.p12', 'PKCS12'],
  ['.bcfks', 'BCFKS'],
];

/** KeyStoreFileType.fromPropertyValueOrFileName, refusing the types Node cannot read. */
function storeType(location: FoundSetting, typeSetting: FoundSetting | undefined, typeKey: string) {
  let type: string;
  let blame: FoundSetting = location;
  if (typeSetting !== undefined && typeSetting.value !== '') {
    type = typeSetting.value.toUpperCase();
    blame = typeSetting;
    if (!EXTENSIONS.some(([, known]) => known === type)) {
      throw invalidValue(typeSetting.key, 'PEM, PKCS12 or JKS', typeSetting.value, blame.where);
    }
  } else {
    const dot = location.value.lastIndexOf('.');
    const extension = dot < 0 ? '' : location.value.slice(dot);
    const found = EXTENSIONS.find(([known]) => known === extension);
    if (found === undefined) {
      throw new ConfigError(
        `${prefixOf(location.where)}${location.key}: cannot tell the store type of ` +
          `'${location.value}' from its name (ZooKeeper knows .pem, .p12, .jks and .bcfks); ` +
          `set ${typeKey}`,
        location.key,
        location.where,
      );
    }
    type = found[1];
  }
  if (type === 'PEM' || type === 'PKCS12') return type;
  throw javaOnlyStore(blame, location.value, type);
}

function javaOnlyStore(blame: FoundSetting, file: string, type: string): ConfigError {
  const target = `${file.replace(/\.(jks|bcfks)$/i, '')}.p12`;
  const from = type === 'BCFKS' ? ' -srcstoretype BCFKS' : '';
  return new ConfigError(
    `${prefixOf(blame.where)}${blame.key}: ${file} is a ${type} key store, which only Java ` +
      `reads; convert it to PKCS12 with: keytool -importkeystore -srckeystore ${file}${from} ` +
      `-destkeystore ${target} -deststoretype PKCS12 — then point the setting at ${target}`,
    blame.key,
    blame.where,
  );
}

function readProtocols(prefix: string, find: Find): ProtocolRange {
  const protocol = find('protocol');
  const enabled = find('enabledProtocols');
  const context =
    protocol === undefined ? contextProtocolRange('TLSv1.3') : contextProtocolRange(protocol.value);
  if (context === undefined) {
    throw invalidValue(
      protocol?.key ?? `${prefix}protocol`,
      'TLSv1.2, TLSv1.3 or TLS',
      protocol?.value,
      protocol?.where,
      'older protocols are broken (RFC 8996) and Node does not offer them',
    );
  }
  if (enabled === undefined) return context;
  const names = enabled.value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const versions = names.map((name) => {
    const version = nodeProtocol(name);
    if (version === undefined) {
      throw invalidValue(
        enabled.key,
        'a comma-separated list of TLSv1.2 and TLSv1.3',
        enabled.value,
        enabled.where,
        `'${name}' is not offered: older protocols are broken (RFC 8996)`,
      );
    }
    return version;
  });
  if (versions.length === 0) {
    throw invalidValue(enabled.key, 'TLSv1.2, TLSv1.3 or both', enabled.value, enabled.where);
  }
  const sorted = [...versions].sort();
  return { minVersion: sorted[0] ?? 'TLSv1.2', maxVersion: sorted[sorted.length - 1] ?? 'TLSv1.3' };
}

function readCiphers(setting: FoundSetting | undefined): string | undefined {
  if (setting === undefined) return undefined;
  const offered = new Set(getCiphers().map((name) => name.toUpperCase()));
  const names: string[] = [];
  for (const raw of setting.value.split(',')) {
    const iana = raw.trim();
    if (iana === '' || iana === RENEGOTIATION_SCSV) continue;
    const name = openSslCipher(iana);
    if (name === undefined || !offered.has(name.toUpperCase())) {
      throw invalidValue(
        setting.key,
        'a comma-separated list of cipher suites by their IANA names',
        setting.value,
        setting.where,
        `Node cannot do '${iana}'`,
      );
    }
    names.push(name);
  }
  if (names.length === 0) {
    throw invalidValue(setting.key, 'at least one cipher suite', setting.value, setting.where);
  }
  const ciphers = names.join(':');
  try {
    createSecureContext({ ciphers });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalidValue(
      setting.key,
      'cipher suites Node accepts',
      setting.value,
      setting.where,
      reason,
    );
  }
  return ciphers;
}
