/**
 * The sasl packet (opcode 102) as ZooKeeper's processSasl answers it: each token goes to the
 * connection's one DIGEST-MD5 exchange (digest-md5.ts); its challenge or rspauth comes back in
 * a SetSASLResponse with zxid 0. On success the connection gets `sasl:<user>` (and `super` for
 * a zookeeper.superUser). On failure: AuthFailed, or SessionClosedRequireSaslAuth when SASL is
 * required, and the connection is closed (the session lives on, as after a failed addAuth);
 * with zookeeper.allowSaslFailedClients and SASL not required, an empty OK instead.
 */
import { Err } from '../protocol/error-codes.js';
import type { Id } from '../protocol/records.js';
import { SUPER_ID } from '../tree/acl.js';
import type { ClientSasl } from '../config/client-sasl.js';
import type { Connection } from './connection.js';
import { DigestMd5Server, type SaslOutcome } from './digest-md5.js';
import type { DecodedFrame } from './request-handler.js';
import type { WarrenServer } from './server.js';

/** ZooKeeper's SASL service and DIGEST-MD5 server name (ZooKeeperSaslServer): the realm too. */
const PROTOCOL = 'zookeeper';
const SERVER_NAME = 'zk-sasl-md5';
/** 24 random bytes: a nonce no client can predict (RFC 2831 asks for at least 64 bits). */
const NONCE_BYTES = 24;

/** One exchange per connection, as ZooKeeper keeps one SaslServer per connection. */
const exchanges = new WeakMap<Connection, DigestMd5Server>();

/**
 * The schemes a session must hold one of before anything but auth and sasl, or null when
 * nothing is enforced: zookeeper.sessionRequireClientSASLAuth means exactly sasl and wins over
 * enforce.auth.* (ZooKeeper's AuthenticationHelper).
 */
export function enforcedSchemes(server: WarrenServer): readonly string[] | null {
  if (server.sasl?.sessionRequired === true) return ['sasl'];
  const { enforceAuthEnabled, enforceAuthSchemes } = server.config;
  return enforceAuthEnabled ? enforceAuthSchemes : null;
}

function exchangeFor(server: WarrenServer, conn: Connection, sasl: ClientSasl): DigestMd5Server {
  const known = exchanges.get(conn);
  if (known !== undefined) return known;
  const nonce = server.runtime.randomBytes(NONCE_BYTES).toString('base64');
  const exchange = new DigestMd5Server(
    {
      protocol: PROTOCOL,
      serverName: SERVER_NAME,
      realm: SERVER_NAME,
      // SaslServerCallbackHandler: `super` takes superPassword when it is set.
      password: (user) =>
        user === 'super' && sasl.superPassword !== null ? sasl.superPassword : sasl.users.get(user),
    },
    nonce,
  );
  exchanges.set(conn, exchange);
  return exchange;
}

export function handleSasl(
  server: WarrenServer,
  conn: Connection,
  f: DecodedFrame,
  token: Buffer,
): void {
  const sasl = server.sasl;
  const outcome: SaslOutcome =
    sasl === null
      ? { kind: 'failure', reason: 'SASL is not configured on this server' }
      : exchangeFor(server, conn, sasl).evaluate(token);
  if (outcome.kind === 'failure') return saslFailed(server, conn, f, outcome.reason);
  if (outcome.kind === 'success') {
    const ids: Id[] = [{ scheme: 'sasl', id: outcome.user }];
    if (sasl?.superUsers.includes(outcome.user) === true) ids.push(SUPER_ID);
    for (const id of ids) {
      if (!conn.ids.some((own) => own.scheme === id.scheme && own.id === id.id)) conn.ids.push(id);
    }
    server.audit?.auth(conn, 'sasl', true);
    server.logger.info({ remote: conn.remoteAddress, user: outcome.user }, 'SASL authenticated');
  }
  conn.sendReply(f.xid, 0, Err.ok, { kind: 'sasl', token: outcome.token });
  server.finishRequest(conn, f);
}

function saslFailed(server: WarrenServer, conn: Connection, f: DecodedFrame, reason: string) {
  server.stats.authFailed++;
  server.audit?.auth(conn, 'sasl', false);
  server.logger.warn({ remote: conn.remoteAddress, reason }, 'SASL authentication failed');
  const required = enforcedSchemes(server)?.includes('sasl') === true;
  if (server.sasl?.allowFailedClients === true && !required) {
    conn.sendReply(f.xid, 0, Err.ok, { kind: 'sasl', token: null });
    return server.finishRequest(conn, f);
  }
  const err = required ? Err.sessionClosedRequireSaslAuth : Err.authFailed;
  conn.sendReply(f.xid, 0, err, { kind: 'sasl', token: null });
  server.finishRequest(conn, f);
  conn.end();
}
