/**
 * The per-turn request budget (requestsPerTurnMax, server/request-throttle.ts): past it the
 * next requests wait for the next turn, first held first served; a multi counts its sub-ops,
 * so pipelined multis of 1000 creates are not proposed and applied all in one turn. Pings count
 * too (10k clients pinging at once had 10k socket writes in one turn), and the stall timer's
 * wake, which runs within a turn, starts no new budget.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OpCode } from '../../../src/protocol/opcodes.js';
import type { Request, WriteSubRequest } from '../../../src/protocol/requests.js';
import type { Connection } from '../../../src/server/connection.js';
import type { DecodedFrame } from '../../../src/server/request-handler.js';
import { RequestThrottle } from '../../../src/server/request-throttle.js';
import { requestsPerTurnMax } from '../../../src/util/limits.js';
import { turnRuntime } from '../../support/turn-runtime.js';

function setup() {
  const turns = turnRuntime();
  const { endTurn } = turns;
  // The stall timer fires when the test says, within the current turn.
  let stallTimer: () => void = () => undefined;
  const runtime = {
    ...turns.runtime,
    every: (_ms: number, fn: () => void) => {
      stallTimer = fn;
      return { cancel: () => undefined };
    },
  };
  const drained: string[] = [];
  const pinged: string[] = [];
  const settings = {
    globalOutstandingLimit: 1_000_000,
    maxRequests: 0,
    stallMs: 100,
    dropStale: false,
    throttledOpWaitMs: 0,
  };
  const throttle = new RequestThrottle(settings, {
    runtime,
    drain: (conn) => void drained.push((conn as unknown as { name: string }).name),
    answerPings: (conn, count) => {
      for (let i = 0; i < count; i++) pinged.push((conn as unknown as { name: string }).name);
    },
  });
  const conn = (name: string) =>
    ({
      name,
      outstanding: 0,
      waiting: [],
      waitingHead: 0,
      session: null,
      timeoutMs: 0,
      socket: { bufferedBytes: 0 },
      unsentBytes: 0,
      updateBackpressure: () => undefined,
    }) as unknown as Connection;
  const nextTurn = () => void endTurn();
  return { throttle, conn, drained, pinged, nextTurn, stall: () => stallTimer() };
}

const frame = (request: Request): DecodedFrame => ({
  xid: 1,
  opcode: request.type === 'unknown' ? request.opcode : request.type,
  request,
  receivedAt: 0,
});
const read = frame({ type: OpCode.exists, path: '/a', watch: false });
const create: WriteSubRequest = {
  type: OpCode.create,
  path: '/a',
  data: null,
  acl: [],
  flags: 0,
  ttl: -1,
};

describe('requests per turn', () => {
  it('holds requests past the budget until the next turn, first held first served', () => {
    const { throttle, conn, drained, nextTurn } = setup();
    const [a, b] = [conn('a'), conn('b')];
    for (let i = 0; i < requestsPerTurnMax; i++) assert.equal(throttle.admit(a, read, true), 'go');
    assert.equal(throttle.admit(b, read, true), 'hold');
    assert.equal(throttle.admit(a, read, true), 'hold');
    nextTurn();
    assert.deepEqual(drained, ['b', 'a']);
  });

  it('counts a multi by its sub-ops', () => {
    const { throttle, conn } = setup();
    const a = conn('a');
    const ops = Array.from({ length: requestsPerTurnMax }, () => create);
    assert.equal(throttle.admit(a, frame({ type: OpCode.multi, ops }), true), 'go');
    assert.equal(throttle.admit(a, read, true), 'hold', 'the multi spent the turn');
  });

  it('counts pings: past the budget they are answered in later turns, first come first served', () => {
    const { throttle, conn, pinged, nextTurn } = setup();
    const [a, b, c] = [conn('a'), conn('b'), conn('c')];
    for (let i = 0; i < requestsPerTurnMax - 1; i++) assert.equal(throttle.admitPing(a), true);
    assert.equal(throttle.admit(a, read, true), 'go');
    assert.equal(throttle.admitPing(b), false, 'the turn is spent');
    assert.equal(throttle.admitPing(c), false);
    assert.equal(throttle.admitPing(b), false);
    assert.equal(throttle.pingsWaiting, 3);
    assert.deepEqual(pinged, []);
    nextTurn();
    assert.deepEqual(pinged, ['b', 'b', 'c']);
    assert.equal(throttle.pingsWaiting, 0);
  });

  it('answers at most a turn budget of waiting pings a turn', () => {
    const { throttle, conn, pinged, nextTurn } = setup();
    const clients = Array.from({ length: 3 * requestsPerTurnMax }, (_, i) => conn(`c${i}`));
    const answeredAtOnce = clients.filter((c) => throttle.admitPing(c)).length;
    assert.equal(answeredAtOnce, requestsPerTurnMax);
    nextTurn();
    assert.equal(pinged.length, requestsPerTurnMax, 'one turn answers one budget');
    nextTurn();
    assert.equal(pinged.length, 2 * requestsPerTurnMax);
    assert.equal(throttle.admitPing(conn('late')), false, 'that turn spent its budget on them');
    nextTurn();
    assert.equal(pinged.length, 2 * requestsPerTurnMax + 1);
    nextTurn();
    assert.equal(throttle.admitPing(conn('later')), true, 'none waiting, budget left');
  });

  it('a wake from the stall timer within a turn starts no new budget', () => {
    const { throttle, conn, drained, stall, nextTurn } = setup();
    const [a, b] = [conn('a'), conn('b')];
    for (let i = 0; i < requestsPerTurnMax; i++) assert.equal(throttle.admit(a, read, true), 'go');
    assert.equal(throttle.admit(b, read, true), 'hold');
    stall(); // the stall timer fires before the turn ends
    assert.deepEqual(drained, [], 'the turn was spent: nothing more runs in it');
    nextTurn();
    assert.deepEqual(drained, ['b']);
  });
});
