/**
 * A DIGEST-MD5 client written apart from the server's (src/server/digest-md5.ts), straight
 * from RFC 2831 §2.1.2, so the two check each other: it reads a challenge and builds the
 * digest-response a Java or Python client would send, and the rspauth it expects back.
 */
import { createHash } from 'node:crypto';

export interface DigestClientOptions {
  username: string;
  password: string;
  cnonce: string;
  /** digest-uri is `${protocol}/${serverName}`: ZooKeeper's is zookeeper/zk-sasl-md5. */
  protocol?: string;
  serverName?: string;
  nc?: number;
  authzid?: string;
  /** Replaces the computed response value (a wrong password, a forged reply). */
  response?: string;
}

const hex = (text: string | Buffer): string => createHash('md5').update(text).digest('hex');

function challengeValue(challenge: string, name: string): string {
  const match = new RegExp(`(?:^|,)${name}=(?:"([^"]*)"|([^,]*))`).exec(challenge);
  if (match === null) throw new Error(`the challenge has no ${name}: ${challenge}`);
  return match[1] ?? match[2] ?? '';
}

export function digestResponse(
  challengeToken: Buffer,
  o: DigestClientOptions,
): { token: Buffer; rspauth: string } {
  const challenge = challengeToken.toString('utf8');
  const realm = challengeValue(challenge, 'realm');
  const nonce = challengeValue(challenge, 'nonce');
  const uri = `${o.protocol ?? 'zookeeper'}/${o.serverName ?? 'zk-sasl-md5'}`;
  const nc = (o.nc ?? 1).toString(16).padStart(8, '0');
  const secret = createHash('md5').update(`${o.username}:${realm}:${o.password}`).digest();
  const tail = o.authzid === undefined ? '' : `:${o.authzid}`;
  const ha1 = hex(Buffer.concat([secret, Buffer.from(`:${nonce}:${o.cnonce}${tail}`)]));
  const value = (a2: string): string => hex(`${ha1}:${nonce}:${nc}:${o.cnonce}:auth:${hex(a2)}`);
  const fields = [
    'charset=utf-8',
    `username="${o.username}"`,
    `realm="${realm}"`,
    `nonce="${nonce}"`,
    `nc=${nc}`,
    `cnonce="${o.cnonce}"`,
    `digest-uri="${uri}"`,
    `response=${o.response ?? value(`AUTHENTICATE:${uri}`)}`,
    'qop=auth',
  ];
  if (o.authzid !== undefined) fields.push(`authzid="${o.authzid}"`);
  return { token: Buffer.from(fields.join(','), 'utf8'), rspauth: `rspauth=${value(`:${uri}`)}` };
}
