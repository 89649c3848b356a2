/**
 * A dashboard login is a client session against this server's own client port, made with the
 * browser's credentials: digest (addAuth, as zkCli's `addauth digest user:password`), SASL
 * DIGEST-MD5 (the server checks the password) or none (world). Every tree operation then goes
 * through the normal request path with that identity, so ACLs, quotas and the audit log apply.
 * Credentials are used here and dropped; nothing logs them.
 */
import type { ServerConfig } from '../config/config.js';
import { createClient, type ClientInfo, type ZooKeeperClient } from '../client/index.js';
import { HttpError, field } from './http-io.js';

export type LoginScheme = 'digest' | 'sasl' | 'world';

export interface Login {
  readonly client: ZooKeeperClient;
  readonly scheme: LoginScheme;
  /** The ids the server holds for the session (whoAmI), shown to the user. */
  readonly ids: ClientInfo[];
}

const CONNECT_TIMEOUT_MS = 5_000;
const SESSION_TIMEOUT_MS = 30_000;

/** host:port of this server's plaintext client port, reached over loopback when it binds all. */
export function ownClientAddress(config: ServerConfig): string {
  if (config.clientPort === null) {
    throw new HttpError(503, 'the dashboard needs a plaintext clientPort to log in through');
  }
  const host = ['0.0.0.0', '::', ''].includes(config.clientPortAddress)
    ? '127.0.0.1'
    : config.clientPortAddress;
  return host.includes(':') ? `[${host}]:${config.clientPort}` : `${host}:${config.clientPort}`;
}

export async function logIn(config: ServerConfig, body: unknown): Promise<Login> {
  const scheme = (field(body, 'scheme', 'string') ?? 'digest') as string;
  const user = (field(body, 'user', 'string') ?? '') as string;
  const password = (field(body, 'password', 'string') ?? '') as string;
  if (scheme !== 'digest' && scheme !== 'sasl' && scheme !== 'world') {
    throw new HttpError(400, 'scheme must be digest, sasl or world');
  }
  if (scheme !== 'world' && (user === '' || user.includes(':'))) {
    throw new HttpError(400, 'a user name without ":" is needed');
  }
  const client = createClient(ownClientAddress(config), {
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    initialConnectTimeoutMs: CONNECT_TIMEOUT_MS,
    requestTimeoutMs: 10_000,
    maxOutstandingRequests: 16,
    maxQueuedRequests: 64,
    ...(scheme === 'sasl' ? { sasl: { username: user, password } } : {}),
  });
  try {
    await client.connect();
    if (scheme === 'digest') await client.addAuth('digest', `${user}:${password}`);
    const ids = await client.whoAmI();
    return { client, scheme, ids };
  } catch (error) {
    await client.close();
    const name = error instanceof Error ? error.name : '';
    if (scheme === 'sasl' && /AuthFailed/i.test(name)) {
      throw new HttpError(401, 'SASL login refused: wrong user or password', 'authFailed');
    }
    throw new HttpError(503, `could not open a session: ${name || 'error'}`);
  }
}
