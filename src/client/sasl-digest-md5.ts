/**
 * The client side of DIGEST-MD5 (RFC 2831) as ZooKeeper's Java client runs it on the client
 * port: no initial response, then one digest-response to the server's challenge, then the
 * server's rspauth, which proves the server knows the password too. Only qop=auth (ZooKeeper
 * neither signs nor seals after the exchange). Pure apart from MD5; the cnonce comes from the
 * caller.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  digestHashBytes,
  DirectiveError,
  parseDirectives,
  quoted,
} from '../protocol/sasl-directives.js';

/** SASL credentials for the client port; ZooKeeper's Client JAAS section, as an option. */
export interface SaslCredentials {
  /** Only DIGEST-MD5 (Kerberos/GSSAPI is not offered by this client). */
  mechanism?: 'DIGEST-MD5';
  username: string;
  password: string;
  /** The service in digest-uri (ZooKeeper's `zookeeper.sasl.client.username`): `zookeeper`. */
  serviceName?: string;
  /** The host in digest-uri: ZooKeeper's DIGEST-MD5 server name is `zk-sasl-md5`. */
  serverName?: string;
}

/** A challenge, response or proof that does not follow the protocol; the exchange fails. */
export class SaslExchangeError extends Error {
  override name = 'SaslExchangeError';
}

const md5Hex = (...parts: Array<Buffer | string>): string => {
  const hash = createHash('md5');
  for (const part of parts) hash.update(typeof part === 'string' ? Buffer.from(part) : part);
  return hash.digest('hex');
};

export class DigestMd5Client {
  private expectedProof: Buffer | undefined;

  constructor(
    private readonly credentials: SaslCredentials,
    private readonly cnonce: string,
  ) {}

  /** The digest-response to the server's challenge. */
  respond(challengeToken: Buffer): Buffer {
    if (this.expectedProof !== undefined) throw new SaslExchangeError('a second challenge');
    let challenge;
    try {
      challenge = parseDirectives(challengeToken);
    } catch (error) {
      if (error instanceof DirectiveError) throw new SaslExchangeError(error.message);
      throw error;
    }
    const text = (name: string): string | undefined => challenge.get(name)?.toString('utf8');
    const nonce = text('nonce');
    if (nonce === undefined || nonce === '') throw new SaslExchangeError('no nonce in challenge');
    const qops = (text('qop') ?? 'auth').split(',').map((q) => q.trim());
    if (!qops.includes('auth')) throw new SaslExchangeError(`qop ${text('qop')} has no auth`);
    const algorithm = text('algorithm');
    if (algorithm !== 'md5-sess') throw new SaslExchangeError(`algorithm ${algorithm ?? 'none'}`);
    const charset = text('charset');
    if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
      throw new SaslExchangeError(`charset ${charset}`);
    }
    // A server may offer several realms; the JDK client takes the first one.
    const realm = text('realm')?.split(',')[0] ?? '';
    const c = this.credentials;
    const uri = `${c.serviceName ?? 'zookeeper'}/${c.serverName ?? 'zk-sasl-md5'}`;
    const nc = '00000001';
    const colon = Buffer.from(':');
    const secret = createHash('md5')
      .update(digestHashBytes(c.username))
      .update(colon)
      .update(digestHashBytes(realm))
      .update(colon)
      .update(digestHashBytes(c.password))
      .digest();
    const ha1 = md5Hex(secret, `:${nonce}:${this.cnonce}`);
    const value = (a2: string): string =>
      md5Hex(`${ha1}:${nonce}:${nc}:${this.cnonce}:auth:${md5Hex(a2)}`);
    this.expectedProof = Buffer.from(`rspauth=${value(`:${uri}`)}`, 'latin1');
    const fields = [
      'charset=utf-8',
      `username=${quoted(c.username)}`,
      `realm=${quoted(realm)}`,
      `nonce=${quoted(nonce)}`,
      `nc=${nc}`,
      `cnonce=${quoted(this.cnonce)}`,
      `digest-uri=${quoted(uri)}`,
      `response=${value(`AUTHENTICATE:${uri}`)}`,
      'qop=auth',
    ];
    return Buffer.from(fields.join(','), 'utf8');
  }

  /** Checks the server's rspauth; throws unless it proves the server knows the password. */
  verify(proofToken: Buffer | null): void {
    const expected = this.expectedProof;
    if (expected === undefined) throw new SaslExchangeError('a proof before any challenge');
    const proof = proofToken ?? Buffer.alloc(0);
    if (proof.length !== expected.length || !timingSafeEqual(proof, expected)) {
      throw new SaslExchangeError('the server did not prove it knows the password (rspauth)');
    }
  }
}
