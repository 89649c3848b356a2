/**
 * What the server does with each request once it is its turn (see connection.ts for the
 * ordering rule). Writes are prepared into txns and handed to the commit pipeline; everything
 * else is answered from the committed tree right away.
 */
import { Err } from '../protocol/error-codes.js';
import { DecodeError, JuteReader } from '../protocol/jute-reader.js';
import {
  EventType,
  OpCode,
  opName,
  READ_OPCODES,
  WRITE_OPCODES,
  Xid,
} from '../protocol/opcodes.js';
import { decodeClientRequest, type Request, type SetWatchesRequest } from '../protocol/requests.js';
import { EMPTY, type Response } from '../protocol/responses.js';
import { toStat } from '../tree/node.js';
import * as reads from '../tree/reads.js';
import { authenticate, certificateIds, clientInfo } from './auth.js';
import type { Connection } from './connection.js';
import { TICKET_SCHEME, ticketsOf } from './identity-tickets.js';
import { namesOverlongPath } from './request-paths.js';
import { enforcedSchemes, handleSasl } from './sasl.js';
import type { WarrenServer } from './server.js';

export interface DecodedFrame {
  xid: number;
  opcode: number;
  /** null when the body could not be decoded (answered with MarshallingError). */
  request: Request | null;
  receivedAt: number;
}

export function decodeFrame(frame: Buffer, receivedAt: number): DecodedFrame {
  const r = new JuteReader(frame);
  const xid = r.readInt();
  const opcode = r.readInt();
  let request: Request | null;
  try {
    request = decodeClientRequest(opcode, r);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    request = null;
  }
  return { xid, opcode, request, receivedAt };
}

/** Writes go to the pipeline without waiting; everything else waits for earlier writes. */
export function isWrite(frame: DecodedFrame): boolean {
  return frame.request !== null && WRITE_OPCODES.has(frame.opcode);
}

export function handleRequest(server: WarrenServer, conn: Connection, f: DecodedFrame): void {
  const session = conn.session;
  if (session === null) return;
  conn.lastOp = opName(f.opcode);
  conn.lastCxid = f.xid;
  const req = f.request;
  if (req === null) return server.reply(conn, f, Err.marshallingError, null);
  if (session.closing) return server.reply(conn, f, Err.sessionExpired, null);
  const authenticating = f.opcode === OpCode.auth || f.opcode === OpCode.sasl;
  if (!authenticating && !authenticatedEnough(server, conn)) {
    // enforce.auth.enabled (ZooKeeper 3.7+, AuthenticationHelper): answer, then close.
    conn.sendReply(f.xid, 0, Err.sessionClosedRequireSaslAuth, null);
    server.finishRequest(conn, f);
    return conn.end();
  }
  if (req.type === 'unknown') {
    // Includes deleteContainer (internal to the reaper).
    // ZooKeeper answers with zxid -1 and closes the connection; the session lives on.
    conn.sendReply(f.xid, -1, Err.unimplemented, null);
    server.finishRequest(conn, f);
    return conn.end();
  }
  if (namesOverlongPath(req, server.config.pathBytesMax)) {
    return server.reply(conn, f, Err.badArguments, null);
  }
  switch (req.type) {
    case OpCode.ping:
      // Only a ping pipelined behind the handshake gets here; it too answers with xid -2.
      conn.sendReply(Xid.ping, server.tree.lastZxid, Err.ok, null);
      return server.finishRequest(conn, f);
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
    case OpCode.delete:
    case OpCode.setData:
    case OpCode.setACL:
    case OpCode.check:
    case OpCode.multi:
      return server.submitWrite(conn, f, req);
    case OpCode.closeSession:
      return server.submitClose(conn, f);
    case OpCode.auth:
      return handleAuth(server, conn, f, req.scheme, req.auth);
    case OpCode.sasl:
      return handleSasl(server, conn, f, req.token);
    case OpCode.setWatches:
    case OpCode.setWatches2:
      return handleSetWatches(server, conn, f, req);
    case OpCode.reconfig:
      if (server.writes.reconfig !== undefined) return server.submitReconfig(conn, f, req);
      return handleRead(server, conn, f, req);
    case OpCode.sync:
      // Answered once this server has caught up with the leader's commit point.
      return server.afterSync(conn, () => handleRead(server, conn, f, req));
    default:
      if (server.config.linearizableReads && READ_OPCODES.has(req.type)) {
        return server.afterSync(conn, () => handleRead(server, conn, f, req));
      }
      return handleRead(server, conn, f, req);
  }
}

function handleRead(server: WarrenServer, conn: Connection, f: DecodedFrame, req: Request): void {
  const sessionId = (conn.session as { id: bigint }).id;
  const ctx = { sessionId, ids: conn.ids, watches: server.watches };
  const tree = server.tree;
  let result: reads.ReadResult;
  switch (req.type) {
    case OpCode.exists:
      result = reads.exists(tree, req, ctx);
      break;
    case OpCode.getData:
      result = reads.getData(tree, req, ctx);
      break;
    case OpCode.getChildren:
    case OpCode.getChildren2: {
      // A list longer than jute.maxbuffer is sent whole, as ZooKeeper 3.9.5 does: its server
      // never checks a reply's size, and a client reading with a smaller jute.maxbuffer drops
      // the connection on the length (ZOOKEEPER-1162, open). Refusing here would break the
      // clients that raise their own jute.maxbuffer to read big directories.
      const node = reads.readChildren(tree, req, ctx);
      if (typeof node === 'number') return server.reply(conn, f, node, null);
      const stat = req.type === OpCode.getChildren2 ? toStat(node) : null;
      const path = req.path === '' ? '/' : req.path;
      return server.children.answer(conn, f, path, node, tree.lastZxid, stat);
    }
    case OpCode.getACL:
      result = reads.getACL(tree, req, ctx);
      break;
    case OpCode.getAllChildrenNumber:
      result = reads.getAllChildrenNumber(tree, req, ctx);
      break;
    case OpCode.getEphemerals:
      result = reads.getEphemerals(tree, req, ctx);
      break;
    case OpCode.multiRead: {
      const read = reads.multiRead(tree, req, ctx, conn.replyBytesMax);
      if ('oversized' in read) {
        conn.refuseReply(read.oversized);
        return server.finishRequest(conn, f);
      }
      result = read;
      break;
    }
    case OpCode.sync:
      result = { err: Err.ok, response: { kind: 'path', path: req.path } };
      break;
    case OpCode.whoAmI:
      result = { err: Err.ok, response: { kind: 'whoAmI', clients: conn.ids.map(clientInfo) } };
      break;
    case OpCode.addWatch:
      result = addWatch(server, sessionId, req.path, req.mode);
      break;
    case OpCode.checkWatches:
    case OpCode.removeWatches:
      result = checkOrRemoveWatches(server, sessionId, req.type, req.path, req.watcherType);
      break;
    case OpCode.reconfig:
      // Standalone (no ensemble to change): ZooKeeper answers ReconfigDisabled.
      result = { err: Err.reconfigDisabled, response: EMPTY };
      break;
    default:
      result = { err: Err.unimplemented, response: EMPTY };
  }
  // Only a refused multiRead (write sub-ops) answers an error with a body, as ZooKeeper does.
  const body = result.err === Err.ok || req.type === OpCode.multiRead;
  server.reply(conn, f, result.err, body ? result.response : null);
}

function addWatch(server: WarrenServer, sessionId: bigint, path: string, mode: number) {
  if (mode !== 0 && mode !== 1) return { err: Err.marshallingError, response: EMPTY };
  const w = server.watches;
  const ok =
    mode === 1 ? w.add('recursive', sessionId, path) : w.add('persistent', sessionId, path);
  if (!ok) return { err: Err.throttledOp, response: EMPTY };
  return { err: Err.ok, response: { kind: 'errorBody', err: 0 } as Response };
}

function checkOrRemoveWatches(
  server: WarrenServer,
  sessionId: bigint,
  op: number,
  path: string,
  watcherType: number,
) {
  const kinds = server.watches.kindsFor(watcherType);
  if (kinds === null) return { err: Err.marshallingError, response: EMPTY };
  let found = false;
  for (const kind of kinds) {
    if (op === OpCode.checkWatches) found ||= server.watches.has(kind, sessionId, path);
    else found = server.watches.remove(kind, sessionId, path) || found;
  }
  return { err: found ? Err.ok : Err.noWatcher, response: EMPTY };
}

/** With enforced schemes (see enforcedSchemes), the connection holds an id of one. */
function authenticatedEnough(server: WarrenServer, conn: Connection): boolean {
  const schemes = enforcedSchemes(server);
  return schemes === null || conn.ids.some((id) => schemes.includes(id.scheme));
}

function handleAuth(
  server: WarrenServer,
  conn: Connection,
  f: DecodedFrame,
  scheme: string,
  auth: Buffer,
): void {
  if (scheme === TICKET_SCHEME) return redeemTicket(server, conn, f, auth);
  const { superDigest, digestAuthEnabled } = server.config;
  const ids = authenticate(scheme, auth, conn.remoteAddress, superDigest, digestAuthEnabled);
  server.audit?.auth(conn, scheme, ids !== null);
  if (ids === null) {
    server.stats.authFailed++;
    conn.sendReply(f.xid, 0, Err.authFailed, null);
    server.finishRequest(conn, f);
    return conn.end();
  }
  for (const id of ids) {
    if (!conn.ids.some((own) => own.scheme === id.scheme && own.id === id.id)) conn.ids.push(id);
  }
  conn.sendReply(f.xid, 0, Err.ok, null);
  server.finishRequest(conn, f);
}

/**
 * The dashboard's own session takes on its user's identity (identity-tickets.ts): the ids
 * the connection got from where it came from (loopback, the server's own certificate) go.
 */
function redeemTicket(server: WarrenServer, conn: Connection, f: DecodedFrame, auth: Buffer) {
  const ids = ticketsOf(server).lookup(auth.toString('utf8'));
  server.audit?.auth(conn, TICKET_SCHEME, ids !== undefined);
  if (ids === undefined) {
    server.stats.authFailed++;
    conn.sendReply(f.xid, 0, Err.authFailed, null);
    server.finishRequest(conn, f);
    return conn.end();
  }
  const own = certificateIds(conn.socket.certificateSubject, server.config.x509SuperUser);
  own.push({ scheme: 'ip', id: conn.remoteAddress });
  const kept = conn.ids.filter((id) => !own.some((o) => o.scheme === id.scheme && o.id === id.id));
  conn.ids.splice(0, conn.ids.length, ...kept);
  for (const id of ids) {
    if (!conn.ids.some((have) => have.scheme === id.scheme && have.id === id.id)) conn.ids.push(id);
  }
  conn.sendReply(f.xid, 0, Err.ok, null);
  server.finishRequest(conn, f);
}

/** Restores a reconnecting client's watches, firing what it missed (protocol §8.6). */
function handleSetWatches(
  server: WarrenServer,
  conn: Connection,
  f: DecodedFrame,
  req: SetWatchesRequest,
): void {
  const sessionId = (conn.session as { id: bigint }).id;
  const tree = server.tree;
  const w = server.watches;
  const since = req.relativeZxid;
  const fire = (type: number, path: string) => conn.sendNotification(-1, type, path);
  for (const path of req.dataWatches) {
    const node = tree.get(path === '' ? '/' : path);
    if (node === undefined) fire(EventType.nodeDeleted, path);
    else if (node.mzxid > since) fire(EventType.nodeDataChanged, path);
    else w.add('data', sessionId, path);
  }
  for (const path of req.existWatches) {
    if (tree.get(path === '' ? '/' : path) !== undefined) fire(EventType.nodeCreated, path);
    else w.add('data', sessionId, path);
  }
  for (const path of req.childWatches) {
    const node = tree.get(path === '' ? '/' : path);
    if (node === undefined) fire(EventType.nodeDeleted, path);
    else if (node.pzxid > since) fire(EventType.nodeChildrenChanged, path);
    else w.add('child', sessionId, path);
  }
  for (const path of req.persistentWatches) w.add('persistent', sessionId, path);
  for (const path of req.persistentRecursiveWatches) w.add('recursive', sessionId, path);
  server.reply(conn, f, Err.ok, null);
}
