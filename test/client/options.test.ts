// Proves the client's injectable parts and its queue cap: a fake clock drives request
// deadlines (nothing fires until it is advanced, and then exactly at the deadline); a call
// past maxQueuedRequests rejects at once with RequestQueueFullError, and room comes back when
// a queued call settles; and a custom socket factory carries every connection, against both
// Apache ZooKeeper 3.8 and Warren.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  ClientClosedError,
  createClient,
  OperationTimeoutError,
  RequestQueueFullError,
  type ClientClock,
  type SocketFactory,
  type TimerHandle,
  type TransportTarget,
} from '../../src/client/index.js';
import type { RunningServer } from '../support/server-process.js';
import { startTarget, targetSkipReason, TARGETS } from '../support/targets.js';

/** A clock that moves only when advance() is called. */
class ManualClock implements ClientClock {
  private time = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; every: number; run: () => void }>();

  now(): number {
    return this.time;
  }
  setTimeout(run: () => void, ms: number): TimerHandle {
    this.timers.set(this.nextId, { at: this.time + ms, every: 0, run });
    return this.nextId++;
  }
  setInterval(run: () => void, ms: number): TimerHandle {
    this.timers.set(this.nextId, { at: this.time + ms, every: Math.max(1, ms), run });
    return this.nextId++;
  }
  clearTimeout(handle: TimerHandle | undefined): void {
    if (typeof handle === 'number') this.timers.delete(handle);
  }
  clearInterval(handle: TimerHandle | undefined): void {
    this.clearTimeout(handle);
  }
  random(): number {
    return 0.5;
  }
  get pending(): number {
    return this.timers.size;
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at);
      const first = due[0];
      if (first === undefined) break;
      const [id, timer] = first;
      this.time = timer.at;
      if (timer.every > 0) timer.at += timer.every;
      else this.timers.delete(id);
      timer.run();
    }
    this.time = end;
  }
}

/** Settles to 'pending' if the promise has not settled by the next macrotask. */
async function state(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  const marker = Symbol('pending');
  const result = await Promise.race([
    promise.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    new Promise<symbol>((resolve) => setImmediate(() => resolve(marker))),
  ]);
  return result === marker ? 'pending' : (result as 'resolved' | 'rejected');
}

describe('an injected clock', () => {
  it('drives request deadlines', async () => {
    const clock = new ManualClock();
    const client = createClient('127.0.0.1:1', { clock, requestTimeoutMs: 1_000 });
    const call = client.exists('/x');
    call.catch(() => undefined);
    assert.equal(clock.pending, 1, 'the deadline is a timer on the injected clock');
    clock.advance(999);
    assert.equal(await state(call), 'pending');
    clock.advance(1);
    await assert.rejects(call, OperationTimeoutError);
    await client.close();
  });
});

describe('maxQueuedRequests', () => {
  it('rejects a call past the cap at once, and frees room as calls settle', async () => {
    const client = createClient('127.0.0.1:1', { maxQueuedRequests: 3, requestTimeoutMs: 0 });
    const controller = new AbortController();
    const queued = [
      client.exists('/a'),
      client.exists('/b', { signal: controller.signal }),
      client.exists('/c'),
    ];
    for (const call of queued) call.catch(() => undefined);
    await assert.rejects(client.getData('/d'), (error: unknown) => {
      assert.ok(error instanceof RequestQueueFullError);
      assert.equal(error.code, 'WARREN_REQUEST_QUEUE_FULL');
      assert.equal(error.queued, 3);
      assert.match(error.message, /getData \/d: 3 requests already wait/);
      return true;
    });
    controller.abort(new Error('gave up'));
    await assert.rejects(queued[1]!, /gave up/);
    const fourth = client.exists('/e');
    fourth.catch(() => undefined);
    assert.equal(await state(fourth), 'pending', 'an aborted call frees its place');
    await assert.rejects(client.exists('/f'), RequestQueueFullError);
    await client.close();
    for (const call of [queued[0]!, queued[2]!, fourth]) {
      await assert.rejects(call, ClientClosedError);
    }
  });
});

for (const target of TARGETS) {
  describe(`an injected transport against ${target}`, { skip: targetSkipReason(target) }, () => {
    let server: RunningServer;
    before(async () => {
      server = await startTarget(target);
    });
    after(async () => {
      await server?.stop();
    });

    it('opens every connection through the socket factory', async () => {
      const targets: TransportTarget[] = [];
      const transport: SocketFactory = (t) => {
        targets.push(t);
        return net.connect({ host: '127.0.0.1', port: server.port });
      };
      const client = await createClient('zk.invalid:2181', { transport }).connect();
      try {
        await client.create('/via-transport', { data: 'ok' });
        assert.equal((await client.getData('/via-transport')).data?.toString(), 'ok');
        assert.deepEqual(targets, [{ host: 'zk.invalid', port: 2181, tls: undefined }]);
      } finally {
        await client.close();
      }
    });
  });
}
