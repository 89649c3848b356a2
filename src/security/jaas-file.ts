/**
 * Reads the JAAS file named by `java.security.auth.login.config` (in zoo.cfg, or its
 * `zookeeper.` property form), for quorum SASL and client-port SASL alike.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, prefixOf } from '../config/config-error.js';
import type { FoundSetting, RawSettings } from '../config/raw-settings.js';
import { JaasError, jaasBytesMax, parseJaas, type JaasConfig } from './jaas.js';

export const jaasProperty = 'java.security.auth.login.config';

/** The setting naming the JAAS file; undefined when none is named. */
export function jaasFileSetting(raw: RawSettings): FoundSetting | undefined {
  for (const key of [jaasProperty, `zookeeper.${jaasProperty}`]) {
    const found = raw.get(key);
    if (found !== undefined && found.value !== '') return { key, ...found };
  }
  return undefined;
}

/** Reads and parses the named JAAS file. Throws ConfigError naming the file and the line. */
export async function readJaasFile(named: FoundSetting): Promise<JaasConfig> {
  const file = named.value;
  const at = prefixOf(named.where);
  let text: string;
  try {
    const bytes = await readFile(file);
    if (bytes.length > jaasBytesMax) throw new Error(`over ${jaasBytesMax} bytes`);
    text = bytes.toString('utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      `${at}cannot read the JAAS file ${file}: ${reason}`,
      jaasProperty,
      named.where,
    );
  }
  try {
    return parseJaas(text);
  } catch (error) {
    if (!(error instanceof JaasError)) throw error;
    throw new ConfigError(`${at}JAAS file ${file} ${error.message}`, jaasProperty, named.where);
  }
}
