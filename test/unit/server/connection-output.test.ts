/**
 * A connection's output (connection.ts, turn-output.ts): the replies of one turn leave in one
 * socket write, in order, once the turn's input was handled; a big reply goes alone after
 * what came before it; closing or ending sends what is pending and ends the socket gracefully.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JuteReader } from '../../../src/protocol/jute-reader.js';
import { readReplyHeader } from '../../../src/protocol/records.js';
import { Connection, type ConnectionHost } from '../../../src/server/connection.js';
import { ServerStats } from '../../../src/server/stats.js';
import { TurnFlushes, turnOutputBytesMax } from '../../../src/server/turn-output.js';
import { FakeClientSocket } from '../../support/fake-client-socket.js';
import { turnRuntime } from '../../support/turn-runtime.js';
import type { Timer } from '../../../src/util/runtime.js';

function setup() {
  const { runtime, endTurn } = turnRuntime();
  let wrote = 0;
  const host: ConnectionHost = {
    onFirstBytes: () => false,
    onConnectFrame: () => undefined,
    onRequestFrame: () => undefined,
    onClosed: () => undefined,
    onWritable: () => undefined,
    outstandingMax: 1000,
    readsHeld: () => false,
    wrote: (bytes) => void (wrote += bytes),
    outputBytesMax: 64 * 1024 * 1024,
    stallMs: 1000,
    runtime,
    stats: new ServerStats(0),
    flushes: new TurnFlushes(runtime),
    refusedReply: () => undefined,
  };
  const socket = new FakeClientSocket();
  const conn = new Connection(socket, host, 1024 * 1024);
  conn.state = 'connected';
  return { conn, socket, endTurn, host, wrote: () => wrote };
}

/** The xids of the reply frames in `bytes`, in order. */
function xids(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let at = 0; at < bytes.length; ) {
    const length = bytes.readInt32BE(at);
    out.push(readReplyHeader(new JuteReader(bytes.subarray(at + 4, at + 4 + length))).xid);
    at += 4 + length;
  }
  return out;
}

describe('connection output', () => {
  it("sends a turn's replies in one write, in order, when the turn ends", () => {
    const { conn, socket, endTurn, wrote } = setup();
    for (let xid = 1; xid <= 3; xid++) conn.sendReply(xid, 7, 0, null);
    assert.equal(socket.writes.length, 0);
    assert.equal(conn.unsentBytes, wrote());
    endTurn();
    assert.equal(socket.writes.length, 1);
    assert.deepEqual(xids(socket.writes[0] as Buffer), [1, 2, 3]);
    assert.equal(conn.unsentBytes, 0);
    conn.sendReply(4, 7, 0, null);
    endTurn();
    assert.deepEqual(xids(socket.writes[1] as Buffer), [4]);
  });

  it('sends a big reply alone, after what came before it', () => {
    const { conn, socket, endTurn } = setup();
    conn.sendReply(1, 7, 0, null);
    conn.sendText('x'.repeat(turnOutputBytesMax + 1));
    conn.sendReply(2, 7, 0, null);
    endTurn();
    assert.equal(socket.writes.length, 3);
    assert.deepEqual(xids(socket.writes[0] as Buffer), [1]);
    assert.equal(socket.writes[1]?.length, turnOutputBytesMax + 1);
    assert.deepEqual(xids(socket.writes[2] as Buffer), [2]);
  });

  it('close and end send what is pending, then end the socket', () => {
    for (const how of ['close', 'end'] as const) {
      const { conn, socket, endTurn } = setup();
      conn.sendReply(1, 7, 0, null);
      conn[how]();
      endTurn();
      assert.deepEqual(socket.calls.slice(1), ['end'], how);
      assert.deepEqual(xids(socket.writes[0] as Buffer), [1]);
    }
  });

  it('with nothing pending, end sends its end and destroys; close destroys', () => {
    const ended = setup();
    ended.conn.end();
    assert.deepEqual(ended.socket.calls, ['end', 'destroy']);
    const closed = setup();
    closed.conn.close();
    assert.deepEqual(closed.socket.calls, ['destroy']);
  });

  it('abort drops what is pending', () => {
    const { conn, socket, endTurn } = setup();
    conn.sendReply(1, 7, 0, null);
    conn.abort();
    endTurn();
    assert.deepEqual(socket.calls, ['destroy']);
  });

  it('cancels its handshake timer once the session is established, or when it closes', () => {
    const { runtime } = turnRuntime();
    const armed: { cancelled: boolean }[] = [];
    const after = (): Timer => {
      const timer = { cancelled: false };
      armed.push(timer);
      return { cancel: () => void (timer.cancelled = true) };
    };
    const host = { ...setup().host, runtime: { ...runtime, after } };
    const established = new Connection(new FakeClientSocket(), host, 1024 * 1024);
    const dropped = new Connection(new FakeClientSocket(), host, 1024 * 1024);
    assert.deepEqual(armed, [{ cancelled: false }, { cancelled: false }]);
    established.connected();
    dropped.close();
    assert.deepEqual(armed, [{ cancelled: true }, { cancelled: true }]);
    assert.equal(established.state, 'connected');
  });

  it('writes at most so many connections a turn, the rest first thing next turn, in order', () => {
    const { runtime, endTurn } = turnRuntime();
    const host = { ...setup().host, runtime, flushes: new TurnFlushes(runtime, 2) };
    const connect = () => {
      const socket = new FakeClientSocket();
      const conn = new Connection(socket, host, 1024 * 1024);
      conn.state = 'connected';
      return { conn, socket };
    };
    const clients = [connect(), connect(), connect()];
    for (const [i, { conn }] of clients.entries()) conn.sendReply(i + 1, 7, 0, null);
    assert.equal(host.flushes.waiting, 3);
    endTurn();
    assert.deepEqual(
      clients.map(({ socket }) => socket.writes.length),
      [1, 1, 0],
    );
    // The third keeps adding to its output until its turn comes: one write, in order.
    clients[2]?.conn.sendReply(9, 7, 0, null);
    clients[0]?.conn.sendReply(8, 7, 0, null);
    endTurn();
    assert.deepEqual(
      clients.map(({ socket }) => socket.writes.length),
      [2, 1, 1],
    );
    assert.deepEqual(xids(clients[2]?.socket.writes[0] as Buffer), [3, 9]);
    assert.deepEqual(xids(Buffer.concat(clients[0]?.socket.writes ?? [])), [1, 8]);
    assert.equal(endTurn(), false);
  });
});
