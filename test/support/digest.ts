/**
 * ZooKeeper's digest ACL id: `user:base64(sha1("user:password"))`, as
 * DigestAuthenticationProvider.generateDigest computes it (used in ACLs and for superDigest).
 */
import { createHash } from 'node:crypto';

export function digestId(user: string, password: string): string {
  const hash = createHash('sha1').update(`${user}:${password}`, 'utf8').digest('base64');
  return `${user}:${hash}`;
}
