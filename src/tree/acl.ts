/**
 * ACL checks and the ACL fix-up applied on create and setACL (ZooKeeper's checkACL and
 * fixupACL). Identities are computed by the server when a client authenticates; here they are
 * plain (scheme, id) pairs, so every check is a pure function.
 */
import { Perm } from '../protocol/opcodes.js';
import type { ACL, Id } from '../protocol/records.js';

export const OPEN_ACL_UNSAFE: readonly ACL[] = Object.freeze([
  { perms: Perm.all, id: { scheme: 'world', id: 'anyone' } },
]);
export const READ_ACL_UNSAFE: readonly ACL[] = Object.freeze([
  { perms: Perm.read, id: { scheme: 'world', id: 'anyone' } },
]);

export const SUPER_ID: Id = Object.freeze({ scheme: 'super', id: '' });

export function isSuper(ids: readonly Id[]): boolean {
  return ids.some((i) => i.scheme === 'super');
}

/** True when the identities grant `perm` on a node with this ACL. */
export function hasPerm(acl: readonly ACL[], perm: number, ids: readonly Id[]): boolean {
  if (acl.length === 0) return true;
  for (const id of ids) if (id.scheme === 'super') return true;
  for (const entry of acl) {
    if ((entry.perms & perm) === 0) continue;
    const { scheme, id } = entry.id;
    if (scheme === 'world' && id === 'anyone') return true;
    for (const own of ids) {
      if (own.scheme !== scheme) continue;
      if (idMatches(scheme, id, own.id)) return true;
    }
  }
  return false;
}

/**
 * Whether a connection's id matches an ACL entry's of the same scheme. ip: by prefix. sasl:
 * as ZooKeeper's SASLAuthenticationProvider.matches, the SASL user `super` matches every sasl
 * entry.
 */
function idMatches(scheme: string, aclId: string, ownId: string): boolean {
  if (scheme === 'ip') return ipMatches(aclId, ownId);
  if (scheme === 'sasl' && ownId === 'super') return true;
  return ownId === aclId;
}

/**
 * Schemes with a registered provider, besides world and auth: ZooKeeper's defaults, x509
 * (registered in ZooKeeper when a secure client port is configured) and sasl (registered by
 * authProvider.N=...SASLAuthenticationProvider); both always valid here.
 */
const VALID_SCHEMES = new Set(['digest', 'ip', 'x509', 'sasl']);

/**
 * Validates and normalises an ACL for create/setACL: drops duplicates, expands `auth` into the
 * caller's authenticated identities. Returns null when the ACL is invalid (InvalidACL).
 */
export function fixupACL(acl: readonly ACL[] | null, ids: readonly Id[]): ACL[] | null {
  if (acl === null || acl.length === 0) return null;
  const out: ACL[] = [];
  const seen = new Set<string>();
  const add = (entry: ACL): void => {
    const key = `${entry.perms}\u0000${entry.id.scheme}\u0000${entry.id.id}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(entry);
  };
  for (const entry of acl) {
    const { scheme, id } = entry.id;
    if (scheme === 'world') {
      if (id !== 'anyone') return null;
      add(entry);
    } else if (scheme === 'auth') {
      const authed = ids.filter((i) => i.scheme !== 'ip' && i.scheme !== 'super');
      if (authed.length === 0) return null;
      for (const own of authed) add({ perms: entry.perms, id: { scheme: own.scheme, id: own.id } });
    } else {
      if (!VALID_SCHEMES.has(scheme) || !isValidId(scheme, id)) return null;
      add(entry);
    }
  }
  return out;
}

function isValidId(scheme: string, id: string): boolean {
  if (scheme === 'digest') return javaSplitCount(id, ':') === 2;
  if (scheme === 'ip') return parseIpPrefix(id) !== null;
  // X509AuthenticationProvider.isValid parses an X.500 name: at least one `type=value`.
  if (scheme === 'x509') return /^[^=,+]+=/.test(id);
  // SASLAuthenticationProvider.isValid parses a Kerberos name: with @, name[/host]@realm.
  if (scheme === 'sasl') return !id.includes('@') || /^[^/@]*(\/[^/@]*)?@[^/@]*$/.test(id);
  return true;
}

/** getACL without ADMIN: digest hashes are masked as `user:x`. */
export function maskDigests(acl: readonly ACL[]): ACL[] {
  return acl.map((entry) =>
    entry.id.scheme === 'digest'
      ? { perms: entry.perms, id: { scheme: 'digest', id: entry.id.id.split(':')[0] + ':x' } }
      : entry,
  );
}

interface IpPrefix {
  bytes: number[];
  bits: number;
}

/** Parses `a.b.c.d[/bits]` or an IPv6 address with optional `/bits`. */
export function parseIpPrefix(text: string): IpPrefix | null {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.substring(0, slash);
  const bytes = address.includes(':') ? parseIpv6(address) : parseIpv4(address);
  if (bytes === null) return null;
  const maxBits = bytes.length * 8;
  if (slash < 0) return { bytes, bits: maxBits };
  const bitsText = text.substring(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return null;
  const bits = Number(bitsText);
  if (bits > maxBits) return null;
  return { bytes, bits };
}

function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseIpv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...new Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  const out: number[] = [];
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    const n = parseInt(g, 16);
    out.push(n >> 8, n & 0xff);
  }
  return out;
}

function ipMatches(aclId: string, clientIp: string): boolean {
  const prefix = parseIpPrefix(aclId);
  const client = parseIpPrefix(clientIp.startsWith('::ffff:') ? clientIp.slice(7) : clientIp);
  if (prefix === null || client === null) return false;
  if (prefix.bytes.length !== client.bytes.length) return false;
  for (let bit = 0; bit < prefix.bits; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if (((prefix.bytes[byte] ?? 0) & mask) !== ((client.bytes[byte] ?? 0) & mask)) return false;
  }
  return true;
}

/** Number of parts Java's String.split would return (trailing empty parts dropped). */
function javaSplitCount(text: string, separator: string): number {
  const parts = text.split(separator);
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts.length;
}
