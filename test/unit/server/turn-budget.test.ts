/**
 * The per-turn request budget (requestsPerTurnMax, server/request-throttle.ts): past it the
 * next requests wait for the next turn, first held first served; a multi counts its sub-ops,
 * so pipelined multis of 1000 creates are not proposed and applied all in one turn.
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
  const { runtime, endTurn } = turnRuntime();
  const drained: string[] = [];
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
  return { throttle, conn, drained, nextTurn };
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
});
