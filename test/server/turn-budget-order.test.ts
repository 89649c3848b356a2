/**
 * A connection's pipelined requests now run a bounded number per event-loop turn
 * (requestsPerTurnMax, server/request-throttle.ts), so a write can apply between two slices of
 * one client's reads. ZooKeeper's ordering must still hold: a client sees the watch event
 * before the reply of any request that shows the change (protocol §8), and replies keep
 * request order. A watcher pipelines thousands of exists() while another client changes the
 * watched node; every reply that shows the new version comes after the notification.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Err } from '../../src/protocol/error-codes.js';
import { EventType, OpCode } from '../../src/protocol/opcodes.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { requestsPerTurnMax } from '../../src/util/limits.js';
import { RawClient, type RawEvent } from '../support/raw-client.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

const acl = [...OPEN_ACL_UNSAFE];
const reads = 4 * requestsPerTurnMax;
const rounds = 5;

/** Violations in one round: replies showing `version` before the event that announced it. */
function violations(events: readonly RawEvent[], version: number): string[] {
  let notified = false;
  const found: string[] = [];
  for (const e of events) {
    if (e.kind === 'notification' && e.event.type === EventType.nodeDataChanged) notified = true;
    if (e.kind !== 'reply' || e.response?.kind !== 'stat') continue;
    if (e.response.stat.version >= version && !notified) {
      found.push(`reply (zxid ${e.header.zxid}) shows version ${version} before its event`);
    }
  }
  return found;
}

describe('per-turn request slices keep watch events ahead of later replies', () => {
  let server: RunningServer;
  before(async () => {
    server = await startWarren();
  });
  after(async () => server?.stop());

  it('never shows a change before its notification', async () => {
    const watcher = await RawClient.connect(server.host, server.port, { timeoutMs: 30_000 });
    const writer = await RawClient.connect(server.host, server.port, { timeoutMs: 30_000 });
    const create = { type: OpCode.create, path: '/x', data: null, acl, flags: 0, ttl: -1 } as const;
    assert.equal((await writer.request(create)).header.err, Err.ok);
    let mixed = 0;
    for (let round = 1; round <= rounds; round++) {
      const watch = await watcher.request({ type: OpCode.getData, path: '/x', watch: true });
      assert.equal(watch.header.err, Err.ok);
      watcher.events.length = 0;
      const pipelined: Promise<unknown>[] = [];
      for (let i = 0; i < reads; i++) {
        pipelined.push(watcher.request({ type: OpCode.exists, path: '/x', watch: false }));
        // The write lands while the watcher's reads are being answered, slice by slice.
        if (i === reads / 4) {
          const set = { type: OpCode.setData, path: '/x', data: null, version: -1 } as const;
          pipelined.push(writer.request(set));
        }
      }
      await Promise.all(pipelined);
      assert.deepEqual(violations(watcher.events, round), []);
      const versions = watcher.events.flatMap((e) =>
        e.kind === 'reply' && e.response?.kind === 'stat' ? [e.response.stat.version] : [],
      );
      assert.equal(versions.length, reads);
      if (versions[0] === round - 1 && versions.at(-1) === round) mixed++;
    }
    // Otherwise the test would not have shown anything.
    assert.ok(mixed >= 1, `the write landed mid-stream in ${mixed} of ${rounds} rounds`);
    assert.deepEqual(watcher.protocolErrors, [], 'replies in request order');
    await watcher.close();
    await writer.close();
  });
});
