/**
 * Authentication schemes a client can present in an AuthPacket (protocol §13.2): digest
 * (user:password → user:base64(sha1)), ip (the connection's own address), and the configured
 * super digest. Anything else fails, and the server then closes the connection.
 */
import { createHash } from 'node:crypto';
import type { Id } from '../protocol/records.js';
import { SUPER_ID } from '../tree/acl.js';

export function digestId(userPassword: string): string {
  const user = userPassword.split(':')[0] ?? '';
  const hash = createHash('sha1').update(userPassword, 'utf8').digest('base64');
  return `${user}:${hash}`;
}

/** The identities an auth packet adds, or null when authentication fails. */
export function authenticate(
  scheme: string,
  auth: Buffer,
  remoteAddress: string,
  superDigest: string | null,
  digestEnabled = true,
): Id[] | null {
  // DigestAuthenticationProvider.enabled=false: ZooKeeper registers no digest provider.
  if (scheme === 'digest' && !digestEnabled) return null;
  if (scheme === 'digest') {
    const id = digestId(auth.toString('utf8'));
    const ids: Id[] = [{ scheme: 'digest', id }];
    if (superDigest !== null && id === superDigest) ids.push(SUPER_ID);
    return ids;
  }
  if (scheme === 'ip') return [{ scheme: 'ip', id: remoteAddress }];
  return null;
}

/**
 * The identities a verified client certificate gives a connection, as ZooKeeper's
 * X509AuthenticationProvider adds them: `super` first when the subject is the configured
 * X509AuthenticationProvider.superUser, then `x509:<subject>`.
 */
export function certificateIds(subject: string | undefined, superUser: string | null): Id[] {
  if (subject === undefined) return [];
  const ids: Id[] = subject === superUser ? [{ scheme: 'super', id: subject }] : [];
  ids.push({ scheme: 'x509', id: subject });
  return ids;
}

/** whoAmI's view of an identity. */
export function clientInfo(id: Id): { authScheme: string; user: string } {
  if (id.scheme === 'digest') return { authScheme: 'digest', user: id.id.split(':')[0] ?? '' };
  if (id.scheme === 'super') return { authScheme: 'super', user: '' };
  return { authScheme: id.scheme, user: id.id };
}
