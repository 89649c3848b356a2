/**
 * Session FIFO across connections: writes a session sent on a connection that then dropped
 * are applied before any later request of the same session, even one that arrives on the new
 * connection. A read on the new connection must never miss a write that lands afterwards
 * (found by the queue recipe under random connection cuts).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Err } from '../../src/protocol/error-codes.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { RawClient } from '../support/raw-client.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

const acl = [...OPEN_ACL_UNSAFE];

describe('session order across a reconnect', () => {
  let server: RunningServer;
  before(async () => {
    server = await startWarren();
  });
  after(async () => server.stop());

  it('a read on the new connection sees every earlier write that ever applies', async () => {
    for (let round = 0; round < 20; round++) {
      const first = await RawClient.connect(server.host, server.port, { timeoutMs: 10000 });
      const { sessionId, passwd } = first;
      const last = `/order-${round}-199`;
      for (let i = 0; i < 200; i++) {
        first
          .request({ type: 1, path: `/order-${round}-${i}`, data: null, acl, flags: 0, ttl: -1 })
          .catch(() => undefined);
      }
      // Let the server read the burst, then drop the connection before the replies come.
      await new Promise((resolve) => setImmediate(resolve));
      first.destroy();
      const second = await RawClient.connect(server.host, server.port, {
        timeoutMs: 10000,
        sessionId,
        passwd,
      });
      const seen = await second.request({ type: 3, path: last, watch: false });
      const later = await second.request({ type: 3, path: last, watch: false });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const settled = await second.request({ type: 3, path: last, watch: false });
      assert.equal(
        later.header.err,
        seen.header.err,
        `round ${round}: state changed between reads`,
      );
      assert.equal(
        settled.header.err,
        seen.header.err,
        `round ${round}: the read missed a write of its own session that applied later`,
      );
      assert.ok(([Err.ok, Err.noNode] as number[]).includes(seen.header.err));
      await second.close();
    }
  });
});
