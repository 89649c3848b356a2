/**
 * A connection's requests, in order. Writes go to the write path as soon as they are their
 * turn; any other request waits until the session's earlier writes (on whichever connection
 * they came) have been applied and answered, so replies leave in request order and a read
 * sees the session's own writes. Syncs and reconfigs hold everything behind them.
 */
import { Err } from '../protocol/error-codes.js';
import { DecodeError } from '../protocol/jute-reader.js';
import { OpCode, Xid } from '../protocol/opcodes.js';
import type { ReconfigRequest } from '../protocol/requests.js';
import type { Response } from '../protocol/responses.js';
import type { ClientWrite } from '../replication/write-input.js';
import { CONFIG_PATH } from '../tree/path.js';
import * as reads from '../tree/reads.js';
import type { Connection } from './connection.js';
import { decodeFrame, handleRequest, isWrite, type DecodedFrame } from './request-handler.js';
import type { SessionState } from './session-tracker.js';
import type { WarrenServer } from './server.js';
import { writeReply } from './write-replies.js';

/** Compacts a connection's queue once this many requests at its head are done. */
const compactAfter = 256;

export function onRequestFrame(server: WarrenServer, conn: Connection, frame: Buffer): void {
  let f: DecodedFrame;
  try {
    f = decodeFrame(frame, server.runtime.now());
  } catch (e) {
    if (e instanceof DecodeError) return conn.close();
    throw e;
  }
  server.stats.packetsReceived++;
  if (conn.session !== null) server.touchSession(conn.session, f.receivedAt);
  if (f.opcode === OpCode.ping && conn.state === 'connected') {
    // Pings are matched outside the reply queue by every client: answered at once, or in a
    // later turn when this one's budget is spent (10k clients pinging at once).
    if (server.throttle.admitPing(conn)) answerPings(server, conn, 1);
    return;
  }
  conn.outstanding++;
  server.throttle.received();
  conn.waiting.push(f);
  if (conn.state === 'connected') drain(server, conn);
  else conn.updateBackpressure();
}

/** Answers `count` pings of a connection (at once, or after waiting for a turn's budget). */
export function answerPings(server: WarrenServer, conn: Connection, count: number): void {
  for (let i = 0; i < count && conn.state === 'connected'; i++) {
    conn.sendReply(Xid.ping, server.tree.lastZxid, Err.ok, null);
    server.stats.packetsSent++;
  }
}

/** Runs queued requests in order until one must wait for earlier writes. */
export function drain(server: WarrenServer, conn: Connection): void {
  let held = false;
  // Being closed (server.dropClients, a slice a turn): nothing more is answered on it.
  if (server.closing.has(conn)) return;
  while (conn.state === 'connected' && conn.waitingHead < conn.waiting.length) {
    const f = conn.waiting[conn.waitingHead] as DecodedFrame;
    const session = conn.session;
    const closing = session?.closing ?? false;
    // Pending writes are counted per session: a read on a new connection of the session
    // must still wait for writes sent on the connection it replaced.
    // A write waits only behind a sync (whose reply must come first).
    const waitsForAll = !isWrite(f) || closing || (session?.pendingSyncs ?? 0) > 0;
    if (waitsForAll && (session?.pendingWrites ?? 0) > 0) break;
    // The client is not reading what we already sent: build no more until it does.
    if (conn.overOutputBudget) break;
    // A reply being built over several turns goes first (children-replies.ts).
    if (conn.replyPending) break;
    // ThrottledOp only when no earlier write's reply is still to come (replies stay in order).
    const admission = server.throttle.admit(conn, f, (session?.pendingWrites ?? 0) === 0);
    if (admission === 'hold') {
      held = true;
      break;
    }
    conn.waitingHead++;
    if (admission === 'throttled') reply(server, conn, f, Err.throttledOp, null);
    else handleRequest(server, conn, f);
  }
  if (!held) server.throttle.notWaiting(conn);
  if (conn.waitingHead > compactAfter && conn.waitingHead * 2 > conn.waiting.length) {
    conn.waiting = conn.waiting.slice(conn.waitingHead);
    conn.waitingHead = 0;
  }
  conn.updateBackpressure();
}

/** After a write applied: run what waits, on the session's current connection too. */
function drainSession(server: WarrenServer, session: SessionState, conn: Connection): void {
  drain(server, conn);
  const current = session.connection;
  if (current !== null && current !== conn) drain(server, current);
}

export function reply(
  server: WarrenServer,
  conn: Connection,
  f: DecodedFrame,
  err: number,
  response: Response | null,
): void {
  conn.sendReply(f.xid, server.tree.lastZxid, err, response);
  finishRequest(server, conn, f);
}

export function finishRequest(server: WarrenServer, conn: Connection, f: DecodedFrame): void {
  // A closed connection's requests stopped counting when it closed.
  if (conn.state !== 'closed') server.throttle.finished();
  conn.outstanding--;
  server.stats.packetsSent++;
  const latency = server.runtime.now() - f.receivedAt;
  conn.latency.record(latency);
  server.stats.latency.record(latency);
  server.stats.requestListener?.(f.opcode, latency);
  const slowMs = server.config.slowRequestMs;
  if (slowMs > 0 && latency >= slowMs) server.slowRequests.note(conn, f, latency);
}

export function submitWrite(
  server: WarrenServer,
  conn: Connection,
  f: DecodedFrame,
  req: ClientWrite,
): void {
  const refusal = server.writes.refusal();
  if (refusal !== null) return reply(server, conn, f, refusal, null);
  const session = conn.session as SessionState;
  session.pendingWrites++;
  const input = {
    type: 'request' as const,
    sessionId: session.id,
    ids: conn.ids,
    request: req,
    attach: session.attach,
  };
  server.writes.submit(input, (outcome) => {
    session.pendingWrites--;
    if (!outcome.ok) return conn.close();
    const { err, response } = writeReply(req, outcome.txn, outcome.result);
    server.audit?.write(conn, req, outcome.txn);
    // A write's reply carries its own zxid, as ZooKeeper's does, even when later entries of
    // the same batch are applied already.
    conn.sendReply(f.xid, outcome.txn.zxid, err, response);
    finishRequest(server, conn, f);
    drainSession(server, session, conn);
  });
}

/**
 * Runs `then` once this server has caught up with the leader's commit point (sync, and every
 * read in linearizable mode); the session's later requests wait for it.
 */
export function afterSync(server: WarrenServer, conn: Connection, then: () => void): void {
  const session = conn.session as SessionState;
  session.pendingWrites++;
  session.pendingSyncs++;
  server.writes.sync((ok) => {
    session.pendingWrites--;
    session.pendingSyncs--;
    if (!ok) return conn.close();
    if (conn.state !== 'connected') return;
    then();
    drainSession(server, session, conn);
  });
}

/**
 * Reconfig runs on the leader; once it is done, this server catches up and answers with the
 * new /zookeeper/config, as ZooKeeper does. Later requests of the session wait.
 */
export function submitReconfig(
  server: WarrenServer,
  conn: Connection,
  f: DecodedFrame,
  req: ReconfigRequest,
): void {
  const session = conn.session as SessionState;
  const writes = server.writes;
  if (writes.reconfig === undefined) return reply(server, conn, f, Err.reconfigDisabled, null);
  session.pendingWrites++;
  session.pendingSyncs++;
  const finish = () => {
    session.pendingWrites--;
    session.pendingSyncs--;
  };
  const answer = () => {
    const ctx = { sessionId: session.id, ids: conn.ids, watches: server.watches };
    const request = { type: OpCode.getData, path: CONFIG_PATH, watch: false } as const;
    const result = reads.getData(server.tree, request, ctx);
    reply(server, conn, f, result.err, result.err === Err.ok ? result.response : null);
    drainSession(server, session, conn);
  };
  writes.reconfig(req, session.id, conn.ids).then(
    (err) => {
      if (err !== Err.ok) {
        finish();
        reply(server, conn, f, err, null);
        return drainSession(server, session, conn);
      }
      writes.sync((ok) => {
        finish();
        if (!ok) return conn.close();
        answer();
      });
    },
    () => {
      finish();
      conn.close();
    },
  );
}

export function submitClose(server: WarrenServer, conn: Connection, f: DecodedFrame): void {
  const session = conn.session as SessionState;
  const refusal = server.writes.refusal();
  if (refusal !== null) return reply(server, conn, f, refusal, null);
  session.pendingWrites++;
  session.closing = true;
  session.closeRequested = true;
  const close = { type: 'closeSession' as const, sessionId: session.id, attach: session.attach };
  server.writes.submit(close, (outcome) => {
    session.pendingWrites--;
    if (!outcome.ok) {
      session.closing = false;
      session.closeRequested = false;
      return conn.close();
    }
    const body = outcome.txn.body;
    reply(server, conn, f, body.type === 'error' ? body.err : Err.ok, null);
    conn.end();
  });
}
