/**
 * zoo.cfg lines as written, kept for settings read by other modules on their own terms (the
 * TLS key stores of the client port and of the peers, security/). ZooKeeper turns an unknown
 * zoo.cfg key K into the system property `zookeeper.K`, so either spelling may be used.
 */
import type { Where } from './config-error.js';

export interface RawSetting {
  readonly value: string;
  /** The file line; undefined for a value that did not come from a file. */
  readonly where?: Where;
}

/** Key as written (trimmed) → value (trimmed) and line; the last line of a key wins. */
export type RawSettings = ReadonlyMap<string, RawSetting>;

export interface FoundSetting extends RawSetting {
  /** The key as written: `ssl.clientAuth` or `zookeeper.ssl.clientAuth`. */
  readonly key: string;
}

/**
 * The value of `key`, also under its system property name `zookeeper.<key>`. When both are
 * written, the plain key wins: ZooKeeper sets the property from the zoo.cfg line after any
 * `-D` on the command line, and a zoo.cfg line is what Warren has instead of `-D`.
 */
export function findSetting(raw: RawSettings, key: string): FoundSetting | undefined {
  for (const spelling of [key, `zookeeper.${key}`]) {
    const found = raw.get(spelling);
    if (found !== undefined) return { key: spelling, ...found };
  }
  return undefined;
}
