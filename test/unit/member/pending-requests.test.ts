/**
 * PendingRequests, the writes a member took from its clients: ids are unique, above 2^31 and
 * below 2^53 whatever the random prefix; held writes come out in arrival order; a write is
 * answered once; a leader change fails routed writes but holds barriers again; deadlines
 * expire writes; and the number held is capped.
 */
import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { PendingRequests, type Completion } from '../../../src/member/pending-requests.js';
import type { WriteInput } from '../../../src/replication/write-input.js';
import { heldWritesMax } from '../../../src/util/limits.js';
import { nodeRuntime } from '../../../src/util/runtime.js';

const barrier: WriteInput = { type: 'barrier' };
const close = (n: number): WriteInput => ({ type: 'closeSession', sessionId: BigInt(n) });

function recorder() {
  const calls: Completion[] = [];
  return { calls, done: (c: Completion) => void calls.push(c) };
}

function add(p: PendingRequests, input: WriteInput, done?: (c: Completion) => void, at = 1e12) {
  const id = p.add(input, done, at, 1);
  assert.ok(id !== undefined);
  return id;
}

describe('PendingRequests', () => {
  it('hands out unique ids above 2^31 and below 2^53 for any random prefix', () => {
    for (const random of [0, 0.5, 1 - 2 ** -52]) {
      const restore = mock.method(Math, 'random', () => random);
      const p = new PendingRequests(7);
      restore.mock.restore();
      const seen = new Set<number>();
      for (let i = 0; i < 1000; i++) {
        const id = add(p, barrier);
        assert.ok(Number.isSafeInteger(id), `${id} is not a safe integer`);
        assert.ok(id > 2 ** 31 && id < 2 ** 53, `${id} out of range`);
        assert.ok(!seen.has(id));
        seen.add(id);
      }
      assert.equal(p.size, 1000);
    }
  });

  it('gives two processes different id ranges (the random prefix)', () => {
    const a = new PendingRequests(nodeRuntime.randomInt(0x3ffffe));
    const b = new PendingRequests(nodeRuntime.randomInt(0x3ffffe));
    const ia = add(a, barrier);
    const ib = add(b, barrier);
    // Prefixes are multiples of 2^31; the chance of equal prefixes is ~2^-22.
    assert.notEqual(Math.floor(ia / 2 ** 31), Math.floor(ib / 2 ** 31));
  });

  it('holds writes in arrival order until taken, then they count as routed', () => {
    const p = new PendingRequests(7);
    const ids = [close(1), barrier, close(2)].map((input) => add(p, input));
    assert.equal(p.heldCount, 3);
    const taken = p.takeHeld();
    assert.deepEqual(
      taken.map((t) => t.id),
      ids,
    );
    assert.deepEqual(taken[0]?.input, close(1));
    assert.equal(p.heldCount, 0);
    assert.deepEqual(p.takeHeld(), []);
    assert.equal(p.size, 3);
  });

  it('answers a write once; later completions and failures are ignored', () => {
    const p = new PendingRequests(7);
    const r = recorder();
    const id = add(p, barrier, r.done);
    p.complete(id, { ok: true, barrier: true });
    p.complete(id, { ok: true, barrier: true });
    p.fail(id, new Error('late'));
    assert.deepEqual(r.calls, [{ ok: true, barrier: true }]);
    assert.equal(p.size, 0);
    const f = recorder();
    const other = add(p, close(1), f.done);
    const error = new Error('refused');
    p.fail(other, error);
    p.complete(other, { ok: true, barrier: true });
    assert.deepEqual(f.calls, [{ ok: false, error }]);
    // Unknown ids and writes without a callback are harmless.
    p.complete(12345, { ok: true, barrier: true });
    p.complete(add(p, barrier), { ok: true, barrier: true });
    assert.equal(p.size, 0);
  });

  it('a write answered while held is skipped by takeHeld', () => {
    const p = new PendingRequests(7);
    const a = add(p, close(1));
    const b = add(p, close(2));
    p.fail(a, new Error('x'));
    assert.deepEqual(
      p.takeHeld().map((t) => t.id),
      [b],
    );
  });

  it('failRouted fails routed writes, holds routed barriers again, leaves held ones', () => {
    const p = new PendingRequests(7);
    const w = recorder();
    const s = recorder();
    const h = recorder();
    const write = add(p, close(1), w.done);
    const sync = add(p, barrier, s.done);
    p.takeHeld();
    const held = add(p, close(2), h.done);
    const error = new Error('leader changed');
    p.failRouted(error);
    assert.deepEqual(w.calls, [{ ok: false, error }]);
    assert.deepEqual(s.calls, []);
    assert.deepEqual(h.calls, []);
    assert.equal(p.size, 2);
    assert.equal(p.heldCount, 2);
    assert.deepEqual(
      p.takeHeld().map((t) => t.id),
      [held, sync],
    );
    assert.notEqual(write, sync);
    // Routed again, the barrier completes normally.
    p.complete(sync, { ok: true, barrier: true });
    assert.deepEqual(s.calls, [{ ok: true, barrier: true }]);
    // The held write was routed by takeHeld: the next leader change fails it.
    p.failRouted(error);
    assert.deepEqual(h.calls, [{ ok: false, error }]);
    p.failRouted(error);
    assert.equal(p.size, 0);
  });

  it('failAll fails held and routed writes alike', () => {
    const p = new PendingRequests(7);
    const r = recorder();
    add(p, close(1), r.done);
    p.takeHeld();
    add(p, barrier, r.done);
    p.failAll(new Error('stopping'));
    assert.equal(r.calls.length, 2);
    assert.ok(r.calls.every((c) => !c.ok));
    assert.equal(p.size, 0);
    assert.equal(p.heldCount, 0);
  });

  it('expires writes whose deadline has come, held or routed', () => {
    const p = new PendingRequests(7);
    const r = recorder();
    const early = add(p, close(1), r.done, 100);
    add(p, close(2), r.done, 200);
    p.takeHeld();
    const heldEarly = add(p, barrier, r.done, 150);
    const heldLate = add(p, barrier, r.done, 300);
    p.expire(99);
    assert.equal(r.calls.length, 0);
    p.expire(150);
    assert.equal(r.calls.length, 2);
    for (const call of r.calls) {
      assert.ok(!call.ok && /timed out/.test(call.error.message));
    }
    assert.equal(p.size, 2);
    assert.equal(p.heldCount, 1);
    assert.deepEqual(
      p.takeHeld().map((t) => t.id),
      [heldLate],
    );
    assert.notEqual(early, heldEarly);
    p.expire(1000);
    assert.equal(p.size, 0);
  });

  it(`holds at most ${heldWritesMax} writes; routing them makes room`, () => {
    const p = new PendingRequests(7);
    for (let i = 0; i < heldWritesMax; i++) add(p, barrier);
    assert.equal(p.add(barrier, undefined, 1e12, 1), undefined);
    assert.equal(p.heldCount, heldWritesMax);
    p.takeHeld();
    assert.ok(p.add(barrier, undefined, 1e12, 1) !== undefined);
    assert.equal(p.size, heldWritesMax + 1);
  });
});
