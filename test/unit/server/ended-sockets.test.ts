/**
 * Connections whose client closed its end are closed here connectionsClosedPerTurnMax a turn
 * (server/client-socket.ts EndedSockets): 3k clients of a member leaving at once had Node end
 * and close their sockets in the one turn that read the ends, 0.4-1.2 s of system calls.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EndedSockets } from '../../../src/server/client-socket.js';
import { connectionsClosedPerTurnMax } from '../../../src/util/limits.js';
import { turnRuntime } from '../../support/turn-runtime.js';

describe('ended client sockets', () => {
  it('closes at most connectionsClosedPerTurnMax a turn, first ended first', () => {
    const { runtime, endTurn } = turnRuntime();
    const ended = new EndedSockets((fn) => runtime.soon(fn));
    const closed: number[] = [];
    const count = 2 * connectionsClosedPerTurnMax + 10;
    for (let i = 0; i < count; i++) ended.add(() => void closed.push(i));
    assert.equal(closed.length, 0, 'none within the turn that read the ends');
    endTurn();
    assert.equal(closed.length, connectionsClosedPerTurnMax);
    assert.deepEqual(closed.slice(0, 3), [0, 1, 2]);
    endTurn();
    assert.equal(closed.length, 2 * connectionsClosedPerTurnMax);
    endTurn();
    assert.equal(closed.length, count);
    assert.equal(ended.waiting, 0);
    assert.equal(endTurn(), false, 'nothing more scheduled');
  });
});
