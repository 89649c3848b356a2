// Proves ReadWriteLock against Apache ZooKeeper 3.8 and Warren: two readers hold the lock at
// once while a writer waits, and a reader arriving after a waiting writer waits too; with
// four readers and two writers looping on separate clients, behind proxies that cut
// connections at random, no writer ever shares the lock (checked at every entry); and a
// reader whose session is forced to expire has its grant aborted before the writer is granted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { ReadWriteLock } from '../../src/recipes/index.js';
import type { RunningServer } from '../support/server-process.js';
import { targetSkipReason, TARGETS } from '../support/targets.js';
import {
  closeAll,
  connect,
  connectMany,
  connectProxied,
  forceExpiry,
  randomMs,
  SHORT_SESSION_MS,
  sleep,
  startRecipeTarget,
  type ProxiedClient,
} from './support.js';

for (const target of TARGETS) {
  describe(`ReadWriteLock against ${target}`, { skip: targetSkipReason(target) }, () => {
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

    it('shares among readers and queues a writer and later readers', async () => {
      const [r1, r2, w, r3] = await connectMany(server.connectString, 4);
      try {
        const a = new ReadWriteLock(r1!, '/rw/a');
        const b = new ReadWriteLock(r2!, '/rw/a');
        await a.readLock.acquire({ timeoutMs: 5_000 });
        await b.readLock.acquire({ timeoutMs: 5_000 });
        const writer = new ReadWriteLock(w!, '/rw/a');
        let written = false;
        const writing = writer.writeLock
          .acquire({ timeoutMs: 10_000 })
          .then(() => (written = true));
        await sleep(100);
        const late = new ReadWriteLock(r3!, '/rw/a');
        await assert.rejects(late.readLock.acquire({ timeoutMs: 200 }), {
          code: 'WARREN_RECIPE_TIMEOUT',
        });
        assert.equal(written, false);
        await a.readLock.release();
        await b.readLock.release();
        await writing;
        await writer.writeLock.release();
        await late.readLock.acquire({ timeoutMs: 5_000 });
        await late.readLock.release();
      } finally {
        await closeAll([r1!, r2!, w!, r3!]);
      }
    });

    it('never lets a writer share while connections are cut at random', async () => {
      const proxied: ProxiedClient[] = [];
      for (let i = 0; i < 6; i++) proxied.push(await connectProxied(server.port));
      let readers = 0;
      let writers = 0;
      let violations = 0;
      let maxReaders = 0;
      let done = false;
      const chaos = (async () => {
        while (!done) {
          await sleep(20 + randomMs(60));
          proxied[randomMs(proxied.length)]!.proxy.cut();
        }
      })();
      try {
        await Promise.all(
          proxied.map(async ({ client }, i) => {
            const rw = new ReadWriteLock(client, '/rw/c');
            const write = i < 2;
            const lock = write ? rw.writeLock : rw.readLock;
            for (let round = 0; round < 5; round++) {
              await lock.acquire({ timeoutMs: 30_000 });
              if (write) {
                writers++;
                if (writers > 1 || readers > 0) violations++;
              } else {
                readers++;
                maxReaders = Math.max(maxReaders, readers);
                if (writers > 0) violations++;
              }
              await sleep(randomMs(10));
              if (write) writers--;
              else readers--;
              await lock.release();
            }
          }),
        );
        assert.equal(violations, 0);
      } finally {
        done = true;
        await chaos;
        for (const p of proxied) await p.close();
      }
    });

    it('aborts an expired reader before granting the writer', async () => {
      const reader = await connectProxied(server.port, { sessionTimeoutMs: SHORT_SESSION_MS });
      const other = await connect(server.connectString);
      try {
        const r = new ReadWriteLock(reader.client, '/rw/x');
        const grant = await r.readLock.acquire();
        let abortedWhenWriter: boolean | undefined;
        const writer = new ReadWriteLock(other, '/rw/x');
        const writing = writer.writeLock.acquire({ timeoutMs: 20_000 }).then((g) => {
          abortedWhenWriter = grant.signal.aborted;
          return g;
        });
        await forceExpiry(reader, direct);
        const wg = await writing;
        assert.equal(abortedWhenWriter, true);
        assert.ok(wg.fencingToken > grant.fencingToken);
        await writer.writeLock.release();
        await r.readLock.release();
      } finally {
        await reader.close();
        await other.close();
      }
    });
  });
}
