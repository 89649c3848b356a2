/**
 * The request throttler's rules without a network (server/request-throttle.ts): first held,
 * first served; a request held past its session's timeout closes its connection (drop
 * stale), not while memory holds everyone; globalOutstandingLimit pauses busy connections.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OpCode } from '../../../src/protocol/opcodes.js';
import type { Connection } from '../../../src/server/connection.js';
import type { DecodedFrame } from '../../../src/server/request-handler.js';
import { RequestThrottle, type ThrottleSettings } from '../../../src/server/request-throttle.js';
import type { Runtime, Timer } from '../../../src/util/runtime.js';

/** Timers run when the test says so; `soon` runs at the next `flush`. */
class ManualRuntime implements Runtime {
  time = 0;
  private soonQueue: Array<() => void> = [];
  private repeating: Array<{ ms: number; fn: () => void; next: number; live: boolean }> = [];
  now = () => this.time;
  after(): Timer {
    throw new Error('not used');
  }
  every(ms: number, fn: () => void): Timer {
    const entry = { ms, fn, next: this.time + ms, live: true };
    this.repeating.push(entry);
    return { cancel: () => void (entry.live = false) };
  }
  soon(fn: () => void): void {
    this.soonQueue.push(fn);
  }
  keepAlive(): Timer {
    return { cancel: () => undefined };
  }
  randomInt = () => 0;
  randomBytes = (count: number) => Buffer.alloc(count);
  flush(): void {
    const queue = this.soonQueue;
    this.soonQueue = [];
    for (const fn of queue) fn();
  }
  advance(ms: number): void {
    this.time += ms;
    for (const t of this.repeating) {
      while (t.live && t.next <= this.time) {
        t.next += t.ms;
        t.fn();
      }
    }
    this.flush();
  }
}

interface FakeConn {
  name: string;
  outstanding: number;
  waiting: DecodedFrame[];
  waitingHead: number;
  session: { timeoutMs: number } | null;
  timeoutMs: number;
  closed: boolean;
  close(): void;
  updateBackpressure(): void;
}

const frame = (opcode: number = OpCode.create): DecodedFrame => ({
  xid: 1,
  opcode,
  request: null,
  receivedAt: 0,
});

function setup(settings: Partial<ThrottleSettings>) {
  const runtime = new ManualRuntime();
  const drained: string[] = [];
  const all = {
    globalOutstandingLimit: 1000,
    maxRequests: 1,
    stallMs: 100,
    dropStale: true,
    throttledOpWaitMs: 0,
    ...settings,
  };
  const throttle: RequestThrottle = new RequestThrottle(all, {
    runtime,
    drain: (conn) => {
      const fake = conn as unknown as FakeConn;
      drained.push(fake.name);
      if (throttle.admit(conn, frame(), true) === 'go') fake.outstanding--;
    },
    answerPings: () => undefined,
  });
  const conn = (name: string): FakeConn & Connection => {
    const fake: FakeConn = {
      name,
      outstanding: 0,
      waiting: [],
      waitingHead: 0,
      session: { timeoutMs: 300 },
      timeoutMs: 300,
      closed: false,
      close() {
        fake.closed = true;
        throttle.closed(fake as unknown as Connection);
      },
      updateBackpressure: () => undefined,
    };
    return fake as unknown as FakeConn & Connection;
  };
  return { runtime, throttle, conn, drained };
}

describe('RequestThrottle', () => {
  it('serves held connections first held, first served', () => {
    const { runtime, throttle, conn, drained } = setup({});
    const [a, b, c] = [conn('a'), conn('b'), conn('c')];
    assert.equal(throttle.admit(a, frame(), true), 'go');
    assert.equal(throttle.admit(b, frame(), true), 'hold');
    assert.equal(throttle.admit(c, frame(), true), 'hold');
    // a's write finishes; a asks again at once but b and c were first.
    throttle.finished();
    assert.equal(throttle.admit(a, frame(), true), 'hold');
    runtime.flush();
    assert.deepEqual(drained.slice(0, 1), ['b']);
    assert.equal(throttle.waits, 2, 'waiting behind others is not the limit');
  });

  it('closes a connection held past its session timeout, unless memory holds everyone', () => {
    const { runtime, throttle, conn } = setup({});
    const [a, b] = [conn('a'), conn('b')];
    throttle.admit(a, frame(), true);
    assert.equal(throttle.admit(b, frame(), true), 'hold');
    runtime.advance(200);
    assert.equal(b.closed, false);
    runtime.advance(200);
    assert.equal(b.closed, true, 'held 400 ms > 300 ms session timeout');
    assert.equal(throttle.staleDropped, 1);
    assert.equal(throttle.heldConnections, 0);

    const c = conn('c');
    throttle.setMemoryHold('all', []);
    assert.equal(throttle.admit(c, frame(), true), 'hold');
    runtime.advance(1000);
    assert.equal(c.closed, false, 'the server, not the request, is the reason it waits');
  });

  it('keeps a stale request waiting when drop-stale is off', () => {
    const { runtime, throttle, conn } = setup({ dropStale: false });
    const [a, b] = [conn('a'), conn('b')];
    throttle.admit(a, frame(), true);
    throttle.admit(b, frame(), true);
    runtime.advance(1000);
    assert.equal(b.closed, false);
  });

  it('answers ThrottledOp past throttledOpWaitTime, never to closeSession', () => {
    const { runtime, throttle, conn } = setup({ throttledOpWaitMs: 50 });
    const [a, b, c] = [conn('a'), conn('b'), conn('c')];
    throttle.admit(a, frame(), true);
    throttle.admit(b, frame(), true);
    throttle.admit(c, frame(OpCode.closeSession), true);
    runtime.time += 60;
    throttle.finished();
    assert.equal(throttle.admit(b, frame(), true), 'throttled');
    throttle.finished();
    assert.equal(throttle.admit(c, frame(OpCode.closeSession), true), 'go');
    assert.equal(throttle.throttledOps, 1);
  });

  it('pauses connections with requests out while the server-wide count is over', () => {
    const { throttle, conn } = setup({ globalOutstandingLimit: 2, maxRequests: 0 });
    const [busy, idle] = [conn('busy'), conn('idle')];
    for (let i = 0; i < 3; i++) throttle.received();
    busy.outstanding = 3;
    assert.equal(throttle.readsHeld(busy), true);
    assert.equal(throttle.readsHeld(idle), false, 'a connection may always send one');
    assert.equal(throttle.globalPauses, 1);
    throttle.closed(busy);
    assert.equal(throttle.outstanding, 0);
    assert.equal(throttle.readsHeld(busy), false);
  });
});
