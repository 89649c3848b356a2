/**
 * The client port's TLS material (secureClientPort, ssl.*), loaded at start-up so that a bad
 * store stops the server before it serves anything.
 */
import { ConfigError, prefixOf } from '../config/config-error.js';
import type { ServerConfig } from '../config/config.js';
import { findSetting, type RawSettings } from '../config/raw-settings.js';
import { loadTls, type LoadedTls } from './key-stores.js';

export interface ClientTls {
  readonly loaded: LoadedTls;
  /** client.certReload: swap in the stores again when their files change. */
  readonly reload: boolean;
}

/** The TLS material of secureClientPort, or null when the config has none. */
export async function loadClientTls(
  config: ServerConfig,
  raw: RawSettings,
): Promise<ClientTls | null> {
  if (config.secureClientPort === null) return null;
  const loaded = await loadTls('ssl.', raw);
  if (loaded.settings.keyStore === null) {
    const location = findSetting(raw, 'ssl.keyStore.location');
    throw new ConfigError(
      `${prefixOf(location?.where)}secureClientPort needs a key store: ssl.keyStore.location ` +
        'is empty',
      location?.key ?? 'ssl.keyStore.location',
      location?.where,
    );
  }
  return { loaded, reload: config.clientCertReload };
}
