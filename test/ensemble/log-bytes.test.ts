/**
 * A member's Raft log is held in memory until a snapshot compacts it, and snapCount counts
 * entries, not bytes: 537 writes of 1 MB on a 3-member ensemble passed the in-memory cap
 * (raftHeldEntryBytesMax) and stopped every member at once. Now a member also snapshots once
 * its log holds snapSizeLimitInKb (ZooKeeper's setting; Warren's own bound caps it), and
 * keeps less than that behind the snapshot. Here with a 4 MiB limit and 24 MB of writes.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { OpCode } from '../../src/protocol/opcodes.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { startEnsemble, type Ensemble } from '../support/ensemble-proc.js';
import { parseLgif } from '../support/lgif.js';
import { RawClient } from '../support/raw-client.js';
import { sleep } from '../support/server-process.js';

const valueBytes = 512 * 1024;
const writes = 48;
const limitKb = 4096;

describe('snapshots by log bytes (snapSizeLimitInKb)', () => {
  let ens: Ensemble | undefined;
  after(async () => ens?.stopAll());

  it('compacts every member after a few MiB of big writes, not after snapCount writes', async () => {
    ens = await startEnsemble({
      size: 3,
      config: { snapSizeLimitInKb: String(limitKb), '4lw.commands.whitelist': 'srvr,mntr,lgif' },
    });
    const leader = await ens.leader();
    const client = await RawClient.connect(leader.host, leader.clientPort, { timeoutMs: 30_000 });
    const acl = [...OPEN_ACL_UNSAFE];
    const created = await client.request({
      ...{ type: OpCode.create, path: '/big', data: null, acl, flags: 0, ttl: -1 },
    });
    assert.equal(created.header.err, 0);
    for (let i = 0; i < writes; i++) {
      const data = randomBytes(valueBytes);
      const reply = await client.request({ type: OpCode.setData, path: '/big', data, version: -1 });
      assert.equal(reply.header.err, 0, `write ${i}`);
    }
    await client.close();
    // Each member snapshots on its own; at most limitKb / 2 of entries stay behind it.
    const heldMax = Math.floor((limitKb * 1024) / 2 / valueBytes) + 2;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const logs = await Promise.all(
        ens.servers.map(async (s) => parseLgif(await ens!.fourLetter(s.id, 'lgif'))),
      );
      const field = (log: Map<string, number>, name: string) => log.get(name) ?? NaN;
      const held = (log: Map<string, number>) =>
        field(log, 'last_log_idx') - field(log, 'first_log_idx') + 1;
      const compacted = logs.every(
        (log) => held(log) <= heldMax && field(log, 'last_snapshot_idx') >= writes - heldMax,
      );
      if (compacted) break;
      const seen = logs.map((log) => JSON.stringify(Object.fromEntries(log)));
      assert.ok(Date.now() < deadline, `not compacted: ${seen.join(' ')}`);
      await sleep(200);
    }
  });
});
