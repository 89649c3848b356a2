/**
 * A new connection's ConnectRequest: refused (closed without a reply) when the client has seen
 * newer state than ours or we cannot serve it, a new session created through the write path,
 * or an existing session re-attached after its password checked out.
 */
import { timingSafeEqual } from 'node:crypto';
import { Err } from '../protocol/error-codes.js';
import { DecodeError, JuteReader } from '../protocol/jute-reader.js';
import { readConnectRequest, type ConnectRequest } from '../protocol/records.js';
import type { Connection } from './connection.js';
import { drain } from './request-queue.js';
import type { SessionState } from './session-tracker.js';
import type { WarrenServer } from './server.js';
import { attachTokenMax } from '../util/limits.js';

const ZERO_PASSWD = Buffer.alloc(16);

export function onConnectFrame(server: WarrenServer, conn: Connection, frame: Buffer): void {
  let req: ConnectRequest;
  try {
    req = readConnectRequest(new JuteReader(frame));
  } catch (e) {
    if (e instanceof DecodeError) return conn.close();
    throw e;
  }
  // A client that has seen newer state than ours must go elsewhere: close, no reply.
  if (req.lastZxidSeen > server.tree.lastZxid) return conn.close();
  // A member without a leader serves nobody (the client tries another server), or in
  // read-only mode only the clients that allow it.
  if (server.writes.refusal() === Err.connectionLoss) return conn.close();
  const readOnly = server.writes.readOnly?.() ?? false;
  if (readOnly && req.readOnly !== true) return conn.close();
  conn.readOnly = readOnly;
  const { minSessionTimeout: min, maxSessionTimeout: max } = server.config;
  conn.timeoutMs = Math.min(Math.max(req.timeOut, min), max);
  conn.state = 'connecting';
  if (req.sessionId === 0n) return createSession(server, conn, req);
  reattachSession(server, conn, req);
}

function createSession(server: WarrenServer, conn: Connection, req: ConnectRequest): void {
  if (!mayCreateSession(server, conn)) return conn.close();
  if (conn.readOnly) return createLocalSession(server, conn, req);
  if (server.writes.refusal() !== null) return conn.close();
  const sessions = server.sessions;
  const id = sessions.allocateId();
  const passwd = sessions.newPassword();
  const timeoutMs = conn.timeoutMs;
  // Reserve the id now so a concurrent handshake cannot pick it.
  const now = server.runtime.now();
  const state = sessions.register(id, timeoutMs, passwd, now, conn.remoteAddress);
  server.writes.submit({ type: 'createSession', sessionId: id, timeoutMs, passwd }, (outcome) => {
    if (!outcome.ok) {
      if (!server.tree.sessions.has(id)) sessions.remove(id);
      return conn.close();
    }
    if (conn.state !== 'connecting') return;
    attach(server, conn, state, req, timeoutMs);
  });
}

/**
 * Read-only mode: a new client gets a session that lives only here and only until a quorum
 * is back (ZooKeeper's read-only sessions); its writes answer NotReadOnly.
 */
function createLocalSession(server: WarrenServer, conn: Connection, req: ConnectRequest): void {
  const sessions = server.sessions;
  const id = sessions.allocateId();
  const address = conn.remoteAddress;
  const state = sessions.register(id, conn.timeoutMs, sessions.newPassword(), 0, address);
  attach(server, conn, state, req, conn.timeoutMs);
}

/**
 * The global cap, then the client address's own (live sessions, creation rate): over one,
 * the connection is closed without a reply, as ZooKeeper refuses a client over
 * maxClientCnxns. An address's refusals are logged once per interval.
 */
function mayCreateSession(server: WarrenServer, conn: Connection): boolean {
  const sessions = server.sessions;
  if (sessions.size >= server.config.sessionsMax) {
    server.logger.warn('session limit reached; refusing a new session');
    return false;
  }
  const address = conn.remoteAddress;
  const now = server.runtime.now();
  const refusal = server.addressLimits.admit(address, sessions.countFrom(address), now);
  if (refusal === null) return true;
  server.stats.sessionsRefused++;
  if (server.addressLimits.shouldLog(address, now)) {
    const live = sessions.countFrom(address);
    server.logger.warn(
      { address, live, refusal },
      'too many sessions from this address; closing its new connections (logged once a minute)',
    );
  }
  return false;
}

function reattachSession(server: WarrenServer, conn: Connection, req: ConnectRequest): void {
  const state = server.sessions.get(req.sessionId);
  const passwdOk =
    state !== undefined &&
    state.passwd.length === req.passwd.length &&
    timingSafeEqual(state.passwd, req.passwd);
  if (state === undefined || state.closing || !passwdOk) {
    // Nothing happens to the session or its current connection: a stranger who guessed or
    // saw an id cannot knock the real client off (ZooKeeper closes the old connection first).
    conn.sendConnectResponse({
      protocolVersion: 0,
      timeOut: 0,
      sessionId: 0n,
      passwd: ZERO_PASSWD,
      readOnly: req.readOnly === null ? null : false,
    });
    return conn.end();
  }
  // The session's other connection is closed: its client reconnects and re-authenticates.
  const previous = state.connection;
  if (previous !== null && previous !== conn) {
    state.connection = null;
    server.watches.removeSession(state.id);
    previous.detach('session moved to another connection');
  }
  attach(server, conn, state, req, conn.timeoutMs);
}

function attach(
  server: WarrenServer,
  conn: Connection,
  state: SessionState,
  req: ConnectRequest,
  timeoutMs: number,
): void {
  // Its old connection's watches, if some are still to go, go before it sets new ones.
  server.watchDrops.now(state.id);
  state.connection = conn;
  conn.session = state;
  // A new token per connection, told to the leader before any request of it can be sent
  // there (the same peer link, in order): writes still on their way from an earlier
  // connection, here or on another server, are refused instead of running late.
  state.attach = 1 + server.runtime.randomInt(attachTokenMax);
  server.onSessionAttached(state.id, state.attach);
  server.touchSession(state, server.runtime.now());
  conn.sendConnectResponse({
    protocolVersion: 0,
    timeOut: timeoutMs,
    sessionId: state.id,
    passwd: state.passwd,
    readOnly: req.readOnly === null ? null : conn.readOnly,
  });
  conn.connected();
  drain(server, conn);
}
