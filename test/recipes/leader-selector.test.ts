// Proves LeaderSelector against Apache ZooKeeper 3.8 and Warren: six auto-requeueing
// participants take turns and no two takeLeadership callbacks ever run at once, with rising
// fencing tokens; the same holds while a proxy cuts connections at random (a cut aborts the
// leader's signal); without autoRequeue a participant leads once until requeue(), and
// interruptLeadership() aborts the signal; and a leader whose session is forced to expire has
// its signal aborted before another participant leads, and reports the lost session.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { LeaderSelector, type Leadership } from '../../src/recipes/index.js';
import type { RunningServer } from '../support/server-process.js';
import { targetSkipReason, TARGETS } from '../support/targets.js';
import {
  closeAll,
  connect,
  connectMany,
  connectProxied,
  forceExpiry,
  OverlapChecker,
  randomMs,
  SHORT_SESSION_MS,
  sleep,
  startRecipeTarget,
  waitFor,
  type ProxiedClient,
} from './support.js';

/** Resolves after ms, or at once when the signal aborts. */
function busy(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => (clearTimeout(timer), resolve());
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A takeLeadership that records turns in a checker. */
function turns(checker: OverlapChecker, tokens: number[], maxMs: number) {
  return async (signal: AbortSignal, leadership: Leadership): Promise<void> => {
    checker.enter();
    tokens.push(leadership.fencingToken);
    try {
      await busy(5 + randomMs(maxMs), signal);
    } finally {
      checker.leave();
    }
  };
}

for (const target of TARGETS) {
  describe(`LeaderSelector against ${target}`, { skip: targetSkipReason(target) }, () => {
    let server: RunningServer;
    let direct: ZooKeeperClient;
    before(async () => {
      server = await startRecipeTarget(target);
      direct = await connect(server.connectString);
    });
    after(async () => {
      await direct?.close();
      await server?.stop();
    });

    it('six participants take turns, one at a time, with rising tokens', async () => {
      const clients = await connectMany(server.connectString, 6);
      const checker = new OverlapChecker();
      const tokens: number[] = [];
      const selectors = clients.map(
        (c, i) =>
          new LeaderSelector(c, '/select/a', {
            id: `p${i}`,
            autoRequeue: true,
            takeLeadership: turns(checker, tokens, 20),
          }),
      );
      try {
        for (const s of selectors) s.start();
        await waitFor(() => checker.entries >= 30, '30 leaderships', 30_000);
        const ids = await selectors[0]!.participants();
        // The leader re-queues after each turn, so it may be between nodes just now.
        assert.ok(ids.length >= 5 && ids.length <= 6, `participants: ${ids.length}`);
        assert.ok(ids.every((id) => /^p\d$/.test(id)));
        await Promise.all(selectors.map((s) => s.close()));
        assert.equal(checker.overlaps, 0);
        for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i]! > tokens[i - 1]!);
        assert.deepEqual(await direct.getChildren('/select/a'), [], 'every node withdrawn');
      } finally {
        await closeAll(clients);
      }
    });

    it('never runs two leaderships at once while connections are cut at random', async () => {
      const proxied: ProxiedClient[] = [];
      for (let i = 0; i < 5; i++) proxied.push(await connectProxied(server.port));
      const checker = new OverlapChecker();
      const tokens: number[] = [];
      const selectors = proxied.map(
        (p) =>
          new LeaderSelector(p.client, '/select/c', {
            autoRequeue: true,
            takeLeadership: turns(checker, tokens, 60),
          }),
      );
      for (const s of selectors) s.on('error', () => undefined);
      try {
        for (const s of selectors) s.start();
        for (let i = 0; i < 40; i++) {
          await sleep(20 + randomMs(40));
          proxied[randomMs(proxied.length)]!.proxy.cut();
        }
        const before = checker.entries;
        await waitFor(() => checker.entries >= before + 5, 'leaderships after the cuts', 20_000);
        await Promise.all(selectors.map((s) => s.close()));
        assert.equal(checker.overlaps, 0);
        assert.ok(checker.entries >= 5);
      } finally {
        for (const p of proxied) await p.close();
      }
    });

    it('leads once without autoRequeue, again on requeue(), and can be interrupted', async () => {
      let runs = 0;
      let interrupted = false;
      const selector = new LeaderSelector(direct, '/select/once', {
        takeLeadership: async (signal) => {
          runs++;
          await busy(runs === 2 ? 10_000 : 10, signal);
          interrupted = signal.aborted;
        },
      });
      selector.start();
      await waitFor(() => runs === 1 && !selector.hasLeadership, 'first leadership');
      await sleep(200);
      assert.equal(runs, 1);
      assert.equal(selector.requeue(), true);
      await waitFor(() => runs === 2 && selector.hasLeadership, 'second leadership');
      selector.interruptLeadership();
      await waitFor(() => interrupted && !selector.hasLeadership, 'interrupted');
      await selector.close();
      assert.equal(selector.requeue(), false);
    });

    it('an expired leader is aborted before another participant leads', async () => {
      const first = await connectProxied(server.port, { sessionTimeoutMs: SHORT_SESSION_MS });
      const second = await connect(server.connectString);
      let grantA: Leadership | undefined;
      let aAbortedWhenB: boolean | undefined;
      let tokenB = -1;
      const a = new LeaderSelector(first.client, '/select/exp', {
        autoRequeue: true,
        takeLeadership: async (signal, leadership) => {
          grantA = leadership;
          await busy(60_000, signal);
        },
      });
      const b = new LeaderSelector(second, '/select/exp', {
        takeLeadership: async (signal, leadership) => {
          aAbortedWhenB = grantA?.signal.aborted;
          tokenB = leadership.fencingToken;
          await busy(10, signal);
        },
      });
      const errors: Error[] = [];
      a.on('error', (e) => errors.push(e));
      try {
        a.start();
        await waitFor(() => a.hasLeadership, 'a leads');
        b.start();
        await sleep(100);
        await forceExpiry(first, direct);
        await waitFor(() => tokenB >= 0, 'b leads', 20_000);
        assert.equal(aAbortedWhenB, true);
        assert.ok(tokenB > grantA!.fencingToken);
        assert.equal(a.hasLeadership, false);
        await waitFor(() => errors.length > 0, 'error event on the expired selector');
        assert.equal((errors[0] as { code?: string }).code, 'WARREN_RECIPE_SESSION_LOST');
        await a.close();
        await b.close();
      } finally {
        await first.close();
        await second.close();
      }
    });
  });
}
