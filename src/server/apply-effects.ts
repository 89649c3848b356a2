/**
 * What an applied txn does outside the tree, whoever asked for it: session bookkeeping, then
 * the watch notifications, delivered before anyone's reply that could show the change.
 */
import { Perm } from '../protocol/opcodes.js';
import type { ACL, SessionId } from '../protocol/records.js';
import { hasPerm } from '../tree/acl.js';
import type { ApplyResult } from '../tree/apply.js';
import type { Txn } from '../tree/txn.js';
import type { WarrenServer } from './server.js';

export function applyEffects(server: WarrenServer, txn: Txn, result: ApplyResult): void {
  const body = txn.body;
  if (body.type === 'createSession' && server.sessions.get(body.sessionId) === undefined) {
    server.sessions.register(body.sessionId, body.timeoutMs, body.passwd, server.runtime.now());
  }
  notifyWatchers(server, result);
  if (body.type === 'closeSession') sessionClosed(server, body.sessionId);
}

function sessionClosed(server: WarrenServer, id: SessionId): void {
  const session = server.sessions.remove(id);
  server.watchDrops.drop(id); // a slice a turn: it gets no notification meanwhile
  if (session === undefined) return;
  session.closing = true;
  const conn = session.connection;
  // An explicit close answers first and then ends the connection itself.
  if (conn !== null && !session.closeRequested) {
    session.connection = null;
    conn.close();
  }
}

function notifyWatchers(server: WarrenServer, result: ApplyResult): void {
  if (result.events.length === 0 || server.watches.watchCount === 0) return;
  const canRead = (sessionId: SessionId, acl: readonly ACL[]): boolean => {
    const conn = server.sessions.get(sessionId)?.connection;
    return conn != null && hasPerm(acl, Perm.read, conn.ids);
  };
  for (const event of result.events) {
    for (const n of server.watches.trigger(event, canRead)) {
      const conn = server.sessions.get(n.sessionId)?.connection;
      if (conn != null) conn.sendNotification(result.zxid, n.type, n.path);
    }
  }
}
