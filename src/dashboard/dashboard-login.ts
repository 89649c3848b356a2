/**
 * A dashboard login is a client session against this server's own client port, made with the
 * browser's credentials: digest (addAuth, as zkCli's `addauth digest user:password`), SASL
 * DIGEST-MD5 (the server checks the password), x509 (the certificate the browser showed the
 * AdminServer over HTTPS, verified by its trust store) or none (world). Every tree operation
 * then goes through the normal request path with that identity, so ACLs, quotas and the audit
 * log apply. Credentials are used here and dropped; nothing logs them.
 *
 * The session first sends an identity ticket (server/identity-tickets.ts): it replaces the
 * ids the session would otherwise get from where it connects from (loopback; on a TLS port,
 * the server's own certificate, which it shows when the port needs one) by the browser's
 * address and, for x509, the browser certificate's subject. Digest and SASL ids come on top.
 */
import type { IncomingMessage } from 'node:http';
import type { ConnectionOptions } from 'node:tls';
import type { ServerConfig } from '../config/config.js';
import { createClient, type ClientInfo, type ZooKeeperClient } from '../client/index.js';
import type { Id } from '../protocol/records.js';
import { certificateIds } from '../server/auth.js';
import { TICKET_SCHEME, ticketsOf } from '../server/identity-tickets.js';
import { verifiedSubject } from '../server/tls-peer-ids.js';
import type { WarrenServer } from '../server/server.js';
import { HttpError, field } from './http-io.js';

export type LoginScheme = 'digest' | 'sasl' | 'x509' | 'world';

export interface Login {
  readonly client: ZooKeeperClient;
  readonly scheme: LoginScheme;
  /** The ids the server holds for the session (whoAmI), shown to the user. */
  readonly ids: ClientInfo[];
  /** Forgets the session's identity ticket (at logout, idle timeout or close). */
  readonly release: () => void;
}

/** What a login needs beyond the browser's request. */
export interface LoginContext {
  readonly config: ServerConfig;
  readonly server: WarrenServer;
  /**
   * The client port's TLS options (its key store, shown as the session's certificate when
   * the port needs one, and its trust store); null without secureClientPort.
   */
  readonly clientTls: ConnectionOptions | null;
}

const CONNECT_TIMEOUT_MS = 5_000;
const SESSION_TIMEOUT_MS = 30_000;
const SCHEMES: readonly string[] = ['digest', 'sasl', 'x509', 'world'];

/** Where the session connects: this server's own port, over loopback when it binds all. */
interface OwnPort {
  readonly address: string;
  readonly tls: ConnectionOptions | undefined;
}

/**
 * The plaintext client port, but the TLS one for x509 users (their identity is a TLS one)
 * and on a server without a plaintext port.
 */
export function ownClientPort(context: LoginContext, scheme: LoginScheme): OwnPort {
  const { config, clientTls } = context;
  const secure = config.secureClientPort !== null && clientTls !== null;
  const plain = config.clientPort !== null;
  if (secure && (scheme === 'x509' || !plain)) {
    const host = loopbackFor(config.secureClientPortAddress);
    // The session talks to this very server: the certificate is checked against the trust
    // store, but not against the loopback name it is reached by.
    const tls = { ...clientTls, checkServerIdentity: () => undefined };
    return { address: hostPort(host, config.secureClientPort ?? 0), tls };
  }
  if (plain) {
    const host = loopbackFor(config.clientPortAddress);
    return { address: hostPort(host, config.clientPort ?? 0), tls: undefined };
  }
  throw new HttpError(503, 'this server has no client port the dashboard can log in through');
}

function loopbackFor(address: string): string {
  return ['0.0.0.0', '::', ''].includes(address) ? '127.0.0.1' : address;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function logIn(
  context: LoginContext,
  request: IncomingMessage,
  body: unknown,
): Promise<Login> {
  const scheme = (field(body, 'scheme', 'string') ?? 'digest') as string;
  const user = (field(body, 'user', 'string') ?? '') as string;
  const password = (field(body, 'password', 'string') ?? '') as string;
  if (!SCHEMES.includes(scheme)) {
    throw new HttpError(400, 'scheme must be digest, sasl, x509 or world');
  }
  const chosen = scheme as LoginScheme;
  if ((chosen === 'digest' || chosen === 'sasl') && (user === '' || user.includes(':'))) {
    throw new HttpError(400, 'a user name without ":" is needed');
  }
  const ticket = ticketsOf(context.server).issue(browserIds(context, request, chosen));
  if (ticket === null) throw new HttpError(503, 'too many dashboard logins at once', 'busy');
  const port = ownClientPort(context, chosen);
  const client = createClient(port.address, {
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    initialConnectTimeoutMs: CONNECT_TIMEOUT_MS,
    requestTimeoutMs: 10_000,
    maxOutstandingRequests: 16,
    maxQueuedRequests: 64,
    ...(port.tls === undefined ? {} : { tls: port.tls }),
    ...(chosen === 'sasl' ? { sasl: { username: user, password } } : {}),
  });
  try {
    await client.connect();
    await client.addAuth(TICKET_SCHEME, ticket.token);
    if (chosen === 'digest') await client.addAuth('digest', `${user}:${password}`);
    const ids = await client.whoAmI();
    return { client, scheme: chosen, ids, release: () => ticket.revoke() };
  } catch (error) {
    ticket.revoke();
    await client.close();
    const name = error instanceof Error ? error.name : '';
    if (chosen === 'sasl' && /AuthFailed/i.test(name)) {
      throw new HttpError(401, 'SASL login refused: wrong user or password', 'authFailed');
    }
    throw new HttpError(503, `could not open a session: ${name || 'error'}`);
  }
}

/** The browser's own ids: its address, and for x509 its verified certificate's subject. */
function browserIds(context: LoginContext, request: IncomingMessage, scheme: LoginScheme): Id[] {
  const address = (request.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const ids: Id[] = [{ scheme: 'ip', id: address }];
  if (scheme !== 'x509') return ids;
  const subject = verifiedSubject(request.socket);
  if (subject === undefined) {
    throw new HttpError(
      401,
      'an x509 login needs a client certificate the AdminServer trusts, shown over HTTPS ' +
        '(admin.forceHttps or admin.portUnification, with ssl.quorum.trustStore)',
      'noCertificate',
    );
  }
  return ids.concat(certificateIds(subject, context.config.x509SuperUser));
}
