/**
 * Java's TLS names → Node's. ZooKeeper's settings name protocols as the JDK does (`TLSv1.2`)
 * and cipher suites by their IANA names (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`); Node takes
 * a version range and OpenSSL's names. A name with no Node equivalent is refused by the
 * caller, never dropped: a suite list that silently shrinks is not what the operator wrote.
 */
import type { SecureVersion } from 'node:tls';

/** The versions Node offers. TLSv1 and TLSv1.1 are refused (obsolete, RFC 8996). */
export const SUPPORTED_PROTOCOLS: readonly SecureVersion[] = ['TLSv1.2', 'TLSv1.3'];

export interface ProtocolRange {
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
}

/**
 * What the JDK enables for an `SSLContext.getInstance(protocol)` when enabledProtocols is not
 * set: TLSv1.3 (ZooKeeper's default on a JDK that has it) → 1.2 and 1.3; TLSv1.2 → 1.2
 * only; the generic `TLS` → every version. Undefined for a protocol Warren does not offer.
 */
export function contextProtocolRange(protocol: string): ProtocolRange | undefined {
  switch (protocol.toUpperCase()) {
    case 'TLS':
    case 'TLSV1.3':
      return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' };
    case 'TLSV1.2':
      return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' };
    default:
      return undefined;
  }
}

/** Node's spelling of an enabledProtocols entry, or undefined. */
export function nodeProtocol(name: string): SecureVersion | undefined {
  return SUPPORTED_PROTOCOLS.find((known) => known.toUpperCase() === name.toUpperCase());
}

/**
 * IANA → OpenSSL names of the suites OpenSSL implements for TLS 1.2, and TLS 1.3's (whose
 * names are the same in both). Anything else (RC4, 3DES, export, anonymous, static DH, PSK,
 * SRP, Camellia, ARIA) is refused.
 */
const IANA_TO_OPENSSL: ReadonlyMap<string, string> = new Map([
  ['TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256'],
  ['TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384'],
  ['TLS_CHACHA20_POLY1305_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'],
  ['TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_SHA256'],
  ['TLS_AES_128_CCM_8_SHA256', 'TLS_AES_128_CCM_8_SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'ECDHE-ECDSA-AES256-SHA384'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'ECDHE-RSA-AES256-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'],
  ['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'DHE-RSA-AES128-GCM-SHA256'],
  ['TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'DHE-RSA-AES256-GCM-SHA384'],
  ['TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'DHE-RSA-CHACHA20-POLY1305'],
  ['TLS_DHE_RSA_WITH_AES_128_CBC_SHA256', 'DHE-RSA-AES128-SHA256'],
  ['TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', 'DHE-RSA-AES256-SHA256'],
  ['TLS_DHE_RSA_WITH_AES_128_CBC_SHA', 'DHE-RSA-AES128-SHA'],
  ['TLS_DHE_RSA_WITH_AES_256_CBC_SHA', 'DHE-RSA-AES256-SHA'],
  ['TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256'],
  ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA256', 'AES128-SHA256'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA256', 'AES256-SHA256'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA'],
]);

/** Java's signalling pseudo-suite: OpenSSL always does secure renegotiation, so it is moot. */
export const RENEGOTIATION_SCSV = 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV';

/** The OpenSSL name of an IANA suite name, or undefined when Node cannot do it. */
export function openSslCipher(iana: string): string | undefined {
  return IANA_TO_OPENSSL.get(iana);
}

/** Every IANA name mapped; for tests that check the table against `openssl ciphers`. */
export function mappedCipherNames(): Iterable<[string, string]> {
  return IANA_TO_OPENSSL.entries();
}
