/**
 * The AdminServer's HTTPS material (admin.forceHttps, admin.portUnification): ZooKeeper's
 * JettyAdminServer loads the quorum's key and trust stores (QuorumX509Util: `ssl.quorum.*`),
 * so Warren does too, with the same loader as the peers and the client port. Loaded at start-up
 * so that a bad store stops the server before it serves anything.
 */
import type { SecureContextOptions } from 'node:tls';
import { ConfigError, prefixOf } from '../config/config-error.js';
import type { ServerConfig } from '../config/config.js';
import { findSetting, type RawSettings } from '../config/raw-settings.js';
import { loadTls } from './key-stores.js';

export interface AdminTls {
  /** Key, certificate, trusted CAs, protocols and ciphers, for https.createServer. */
  readonly options: SecureContextOptions;
  /** admin.needClientAuth: a client without a trusted certificate fails the handshake. */
  readonly needClientAuth: boolean;
  /** admin.portUnification: plain HTTP is served on the same port (forceHttps wins). */
  readonly plainToo: boolean;
  /** X509AuthenticationProvider.superUser: this certificate subject is `super`. */
  readonly superUser: string | null;
}

const PREFIX = 'ssl.quorum.';

/** The AdminServer's TLS, or null when it speaks plain HTTP only. Throws ConfigError. */
export async function loadAdminTls(
  config: ServerConfig,
  raw: RawSettings,
): Promise<AdminTls | null> {
  if (!config.adminForceHttps && !config.adminPortUnification) return null;
  const loaded = await loadTls(PREFIX, raw);
  const setting = config.adminForceHttps ? 'admin.forceHttps' : 'admin.portUnification';
  if (loaded.settings.keyStore === null) throw missing(raw, setting, 'keyStore');
  if (config.adminNeedClientAuth && loaded.settings.trustStore === null) {
    throw missing(raw, 'admin.needClientAuth', 'trustStore');
  }
  return {
    options: loaded.options,
    needClientAuth: config.adminNeedClientAuth,
    plainToo: !config.adminForceHttps,
    superUser: config.x509SuperUser,
  };
}

function missing(raw: RawSettings, setting: string, store: string): ConfigError {
  const key = `${PREFIX}${store}.location`;
  const found = findSetting(raw, key) ?? findSetting(raw, setting);
  return new ConfigError(
    `${prefixOf(found?.where)}${setting}=true needs ${key}: the AdminServer's HTTPS uses ` +
      "the quorum's key and trust stores, as ZooKeeper's does",
    key,
    found?.where,
  );
}
