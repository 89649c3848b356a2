/**
 * The client port's TLS keys as zoo.cfg spells them: `ssl.<name>` or the system property form
 * `zookeeper.ssl.<name>`; the names are those ZooKeeper 3.9's X509Util and ClientX509Util
 * read. security/tls-settings.ts reads their values; this file only recognises keys, so that
 * a misspelt one stops start-up (a lost `ssl.trustStore.location` would fall back to Node's
 * public CAs). `ssl.quorum.*` belongs to security/quorum-security.ts.
 */

export const TLS_SETTING_NAMES: readonly string[] = [
  'keyStore.location',
  'keyStore.password',
  'keyStore.passwordPath',
  'keyStore.type',
  'trustStore.location',
  'trustStore.password',
  'trustStore.passwordPath',
  'trustStore.type',
  'protocol',
  'enabledProtocols',
  'ciphersuites',
  'clientAuth',
  'hostnameVerification',
  'clientHostnameVerification',
  'allowReverseDnsLookup',
  'crl',
  'ocsp',
  'context.supplier.class',
  'handshakeDetectionTimeoutMillis',
  'sslProvider',
  'authProvider',
];

/** The name after `ssl.` of a client-port TLS key; undefined for other keys and ssl.quorum. */
export function clientTlsName(key: string): string | undefined {
  const plain = key.startsWith('zookeeper.') ? key.slice('zookeeper.'.length) : key;
  if (!plain.startsWith('ssl.') || plain.startsWith('ssl.quorum.')) return undefined;
  return plain.slice('ssl.'.length);
}
