/**
 * The server side of DIGEST-MD5 (RFC 2831) as ZooKeeper's client port runs it: the client
 * starts with an empty token, the server challenges (realm, a fresh nonce, qop=auth,
 * charset=utf-8, algorithm=md5-sess), the client answers with its digest-response, and the
 * server checks it and proves it knows the password too (rspauth). Only qop=auth: after the
 * exchange nothing is signed or sealed, as in ZooKeeper. Pure apart from MD5: the nonce and
 * the user database come from the caller.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { saslTokenBytesMax } from '../util/limits.js';
import {
  digestHashBytes as hashBytes,
  DirectiveError,
  parseDirectives,
  quoted,
  type Directives,
} from '../protocol/sasl-directives.js';

export interface DigestMd5Options {
  /** The service in digest-uri: ZooKeeper's is `zookeeper`. */
  readonly protocol: string;
  /** The host in digest-uri: ZooKeeper's DIGEST-MD5 server name is `zk-sasl-md5`. */
  readonly serverName: string;
  /** The realm offered: ZooKeeper's JDK server offers its server name. */
  readonly realm: string;
  /** A user's password; undefined when there is no such user. */
  password(user: string): string | undefined;
}

export type SaslOutcome =
  | { readonly kind: 'challenge'; readonly token: Buffer }
  | { readonly kind: 'success'; readonly token: Buffer; readonly user: string }
  | { readonly kind: 'failure'; readonly reason: string };

/** A GSSAPI initial context token starts with ASN.1's [APPLICATION 0] tag (RFC 2743 §3.1). */
const GSSAPI_TAG = 0x60;
const REQUIRED = ['username', 'nonce', 'cnonce', 'nc', 'digest-uri', 'response'];

const md5 = (...parts: Array<Buffer | string>): Buffer => {
  const hash = createHash('md5');
  for (const part of parts) hash.update(typeof part === 'string' ? Buffer.from(part) : part);
  return hash.digest();
};

const failure = (reason: string): SaslOutcome => ({ kind: 'failure', reason });

/** One exchange: a challenge, then one response. Anything more fails. */
export class DigestMd5Server {
  private state: 'initial' | 'challenged' | 'finished' = 'initial';

  constructor(
    private readonly options: DigestMd5Options,
    private readonly nonce: string,
  ) {}

  evaluate(token: Buffer): SaslOutcome {
    const state = this.state;
    this.state = state === 'initial' ? 'challenged' : 'finished';
    if (token.length > saslTokenBytesMax) {
      this.state = 'finished';
      return failure(`a token of ${token.length} bytes (at most ${saslTokenBytesMax})`);
    }
    if (state === 'finished') return failure('the exchange is already over');
    if (state === 'challenged') return this.verify(token);
    if (token.length === 0) return { kind: 'challenge', token: this.challenge() };
    this.state = 'finished';
    return failure(
      token[0] === GSSAPI_TAG
        ? 'a GSSAPI (Kerberos) token: this server does DIGEST-MD5 only'
        : 'DIGEST-MD5 takes no initial response',
    );
  }

  private challenge(): Buffer {
    const { realm } = this.options;
    return Buffer.from(
      `realm=${quoted(realm)},nonce=${quoted(this.nonce)},qop="auth",charset=utf-8,` +
        'algorithm=md5-sess',
      'utf8',
    );
  }

  private verify(token: Buffer): SaslOutcome {
    let directives: Directives;
    try {
      directives = parseDirectives(token);
    } catch (error) {
      if (error instanceof DirectiveError) return failure(error.message);
      throw error;
    }
    const missing = REQUIRED.find((name) => !directives.has(name));
    if (missing !== undefined) return failure(`the response has no ${missing}`);
    const field = (name: string): Buffer => directives.get(name) ?? Buffer.alloc(0);
    const charset = directives.get('charset')?.toString('latin1');
    if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
      return failure(`charset ${charset} (only utf-8)`);
    }
    const text = (name: string): string => field(name).toString(charset ? 'utf8' : 'latin1');
    const problem = this.checkFields(directives, text);
    if (problem !== undefined) return failure(problem);
    const user = text('username');
    const password = this.options.password(user);
    // The digest is computed even for an unknown user, so timing does not tell users apart.
    const digest = (a2Prefix: string): Buffer =>
      this.digest(directives, text, password ?? '', a2Prefix);
    const expected = digest('AUTHENTICATE:');
    const given = Buffer.from(field('response').toString('latin1').toLowerCase(), 'latin1');
    const matches = given.length === expected.length && timingSafeEqual(given, expected);
    if (password === undefined) return failure(`no user ${JSON.stringify(user)}`);
    if (!matches) return failure(`wrong password for ${JSON.stringify(user)}`);
    return { kind: 'success', token: Buffer.from(`rspauth=${digest(':').toString()}`), user };
  }

  /** Everything but the response value; a reason, or undefined when all is as offered. */
  private checkFields(directives: Directives, text: (name: string) => string): string | undefined {
    const { protocol, serverName, realm } = this.options;
    const qop = directives.has('qop') ? text('qop') : 'auth';
    if (qop !== 'auth') return `qop ${qop} (only auth is offered)`;
    if (directives.has('cipher')) return 'a cipher without qop=auth-conf';
    if (directives.has('realm') && text('realm') !== realm) return `realm ${text('realm')}`;
    const nonce = directives.get('nonce') as Buffer;
    const own = Buffer.from(this.nonce, 'utf8');
    if (nonce.length !== own.length || !timingSafeEqual(nonce, own)) return 'a nonce not given';
    const nc = text('nc');
    // One response per nonce: any count but 1 is a replay or a second try (RFC 2831 §2.1.2).
    if (!/^[0-9a-fA-F]{8}$/.test(nc) || parseInt(nc, 16) !== 1) return `nonce count ${nc}`;
    if (text('cnonce') === '') return 'an empty cnonce';
    const uri = text('digest-uri');
    // The JDK's DIGEST-MD5 server compares digest-uri without regard to case.
    if (uri.toLowerCase() !== `${protocol}/${serverName}`.toLowerCase()) return `digest-uri ${uri}`;
    if (!/^[0-9a-fA-F]{32}$/.test(text('response'))) return 'a malformed response value';
    return undefined;
  }

  /** The response value (a2Prefix `AUTHENTICATE:`) or rspauth (`:`), as lower-case hex. */
  private digest(
    directives: Directives,
    text: (name: string) => string,
    password: string,
    a2Prefix: string,
  ): Buffer {
    const field = (name: string): Buffer => directives.get(name) ?? Buffer.alloc(0);
    const realm = directives.has('realm') ? text('realm') : '';
    const colon = Buffer.from(':');
    const secret = md5(
      hashBytes(text('username')),
      colon,
      hashBytes(realm),
      colon,
      hashBytes(password),
    );
    const authzid = directives.get('authzid');
    const a1 = [secret, colon, field('nonce'), colon, field('cnonce')];
    if (authzid !== undefined) a1.push(colon, authzid);
    const ha1 = md5(...a1).toString('hex');
    const ha2 = md5(a2Prefix, field('digest-uri')).toString('hex');
    const qop = directives.has('qop') ? field('qop') : Buffer.from('auth');
    const value = md5(
      ha1,
      colon,
      field('nonce'),
      colon,
      field('nc'),
      colon,
      field('cnonce'),
      colon,
      qop,
      colon,
      ha2,
    );
    return Buffer.from(value.toString('hex'), 'latin1');
  }
}
