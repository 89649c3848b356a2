/**
 * Client options and their defaults. The clock and the transport are injectable (a fake
 * clock for tests, a custom socket factory for proxies and fault injection); both default to
 * the real thing.
 */
import type * as tls from 'node:tls';
import { systemClock, type ClientClock } from './clock.js';
import type { SaslCredentials } from './sasl-digest-md5.js';
import { resolveRetry, type ResolvedRetry, type RetryPolicy } from './retry-policy.js';
import { defaultSocketFactory, type SocketFactory } from './transport.js';

export interface ClientOptions {
  /** Requested session timeout; the server clamps it (default 30 000 ms). */
  sessionTimeoutMs?: number;
  /** Per-server connect + handshake timeout (default: session timeout / number of hosts). */
  connectTimeoutMs?: number;
  /** connect() gives up (and closes the client) after this long (default: 2 × session timeout). */
  initialConnectTimeoutMs?: number;
  /** Default per-call timeout; 0 = none (default 30 000 ms). */
  requestTimeoutMs?: number;
  /** Requests sent and not yet answered; further calls wait for room (default 1000). */
  maxOutstandingRequests?: number;
  /**
   * Calls waiting to be sent (beyond maxOutstandingRequests, or while disconnected); a call
   * past this cap rejects at once with RequestQueueFullError (default 10 000).
   */
  maxQueuedRequests?: number;
  /** Largest encoded request (default 1 MiB − 1, ZooKeeper's jute.maxbuffer). */
  maxRequestBytes?: number;
  /** Largest reply frame accepted (default 1 MiB − 1 plus slack for headers). */
  maxReplyBytes?: number;
  /** Reconnect backoff: first delay and cap; each delay gets ±50 % jitter. */
  reconnectDelayMs?: { initial: number; max: number };
  /** Accept a read-only server (state `readOnly`). */
  canBeReadOnly?: boolean;
  /** Connect with node:tls using these options instead of plain TCP. */
  tls?: tls.ConnectionOptions;
  /** Shuffle the hosts (default true). */
  shuffleHosts?: boolean;
  /** Timers, "now" and jitter (default systemClock: the global timers, Date.now, Math.random). */
  clock?: ClientClock;
  /** Opens each connection (default defaultSocketFactory: node:net, or node:tls with `tls`). */
  transport?: SocketFactory;
  /**
   * Retry operations that are safe to repeat after ConnectionLoss or OperationTimeout (reads,
   * sync, addWatch, versioned setData/setACL/delete), with backoff; off by default. Creates
   * and multi are never retried (docs/guide.md, "Retrying").
   */
  retry?: RetryPolicy;
  /**
   * Authenticate with SASL DIGEST-MD5 on every connection before any other request, as the
   * Java client does with a `Client` JAAS section. A refused login ends the session
   * (`authFailed`), as does a server that cannot prove it knows the password.
   */
  sasl?: SaslCredentials;
}

export type ResolvedOptions = Required<
  Omit<ClientOptions, 'tls' | 'connectTimeoutMs' | 'retry' | 'sasl'>
> & {
  tls: tls.ConnectionOptions | undefined;
  connectTimeoutMs: number | undefined;
  retry: ResolvedRetry | undefined;
  sasl: SaslCredentials | undefined;
};

export const JUTE_MAXBUFFER = 0xfffff;

export function resolveOptions(opts: ClientOptions): ResolvedOptions {
  const sessionTimeoutMs = opts.sessionTimeoutMs ?? 30_000;
  return {
    sessionTimeoutMs,
    connectTimeoutMs: opts.connectTimeoutMs,
    initialConnectTimeoutMs: opts.initialConnectTimeoutMs ?? 2 * sessionTimeoutMs,
    requestTimeoutMs: opts.requestTimeoutMs ?? 30_000,
    maxOutstandingRequests: opts.maxOutstandingRequests ?? 1000,
    maxQueuedRequests: opts.maxQueuedRequests ?? 10_000,
    maxRequestBytes: opts.maxRequestBytes ?? JUTE_MAXBUFFER,
    maxReplyBytes: opts.maxReplyBytes ?? JUTE_MAXBUFFER + 1024,
    reconnectDelayMs: opts.reconnectDelayMs ?? { initial: 100, max: 5_000 },
    canBeReadOnly: opts.canBeReadOnly ?? false,
    tls: opts.tls,
    shuffleHosts: opts.shuffleHosts ?? true,
    clock: opts.clock ?? systemClock,
    transport: opts.transport ?? defaultSocketFactory,
    retry: resolveRetry(opts.retry),
    sasl: resolveSasl(opts.sasl),
  };
}

function resolveSasl(sasl: SaslCredentials | undefined): SaslCredentials | undefined {
  if (sasl === undefined) return undefined;
  if (sasl.mechanism !== undefined && sasl.mechanism !== 'DIGEST-MD5') {
    throw new TypeError(`sasl.mechanism ${String(sasl.mechanism)}: only DIGEST-MD5 is supported`);
  }
  if (sasl.username === '') throw new TypeError('sasl.username is empty');
  return { ...sasl };
}
