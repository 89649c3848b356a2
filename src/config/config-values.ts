/**
 * Parsers for single zoo.cfg values, with ZooKeeper's rules. Each returns `undefined` for a
 * malformed value so that the caller can build one error message naming the key, the file,
 * the line and what was expected. Nothing here throws or does I/O.
 */

/** Java's int range: ZooKeeper reads most settings with Integer.parseInt. */
export const JAVA_INT_MAX = 2_147_483_647;
export const JAVA_INT_MIN = -2_147_483_648;

/**
 * A decimal integer as Integer.parseInt reads it: optional sign, digits, nothing else, within
 * Java's int range. `'2000ms'`, `'1e3'`, `'0x10'` and `''` are malformed.
 */
export function parseJavaInt(raw: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(raw)) return undefined;
  const value = Number(raw);
  if (value < JAVA_INT_MIN || value > JAVA_INT_MAX) return undefined;
  return value === 0 ? 0 : value; // no -0
}

/** A decimal integer, or a hexadecimal one with a `0x`/`0X` prefix (as in `0xfffff`). */
export function parseDecimalOrHexInt(raw: string): number | undefined {
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]+)$/.exec(raw);
  if (hex === null) return parseJavaInt(raw);
  const magnitude = Number.parseInt(hex[2] ?? '', 16);
  const value = hex[1] === '-' ? -magnitude : magnitude;
  if (value < JAVA_INT_MIN || value > JAVA_INT_MAX) return undefined;
  return value;
}

/** A TCP port, 1..65535, in decimal. */
export function parsePort(raw: string): number | undefined {
  const value = parseJavaInt(raw);
  return value !== undefined && isPort(value) ? value : undefined;
}

export function isPort(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}

export function isIntBetween(value: unknown, min: number, max: number): boolean {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

export interface ParsedBoolean {
  value: boolean;
  /** True for `yes`/`no`: Warren reads them, ZooKeeper's parser only takes `true`/`false`. */
  zooKeeperRejects: boolean;
}

/**
 * `true`/`false` in any case, as ZooKeeper's QuorumPeerConfig.parseBoolean reads them; also
 * `yes`/`no`, which ZooKeeper uses for a few system properties (`forceSync`, `skipACL`).
 */
export function parseBoolean(raw: string): ParsedBoolean | undefined {
  switch (raw.toLowerCase()) {
    case 'true':
      return { value: true, zooKeeperRejects: false };
    case 'false':
      return { value: false, zooKeeperRejects: false };
    case 'yes':
      return { value: true, zooKeeperRejects: true };
    case 'no':
      return { value: false, zooKeeperRejects: true };
    default:
      return undefined;
  }
}

/** A host name or address: non-empty and free of whitespace. Not resolved here. */
export function isHost(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0 && !/\s/.test(value);
}

/**
 * `user:base64` where base64 is the 28-character base64 of a SHA-1 digest, as printed by
 * ZooKeeper's DigestAuthenticationProvider (`user:` followed by base64(sha1('user:password'))).
 */
export function isSuperDigest(value: unknown): boolean {
  return typeof value === 'string' && /^[^:\s]+:[A-Za-z0-9+/]{27}=$/.test(value);
}
