/**
 * A write forwarded by a follower that is then cut off must not commit after its client was
 * told "connection loss", moved to another server and saw, after a sync, that it had not
 * happened: ZooKeeper guarantees this (the old follower's connection to the leader is closed,
 * and a request from a server that no longer owns the session fails with SessionMoved).
 * Warren kept the forward in the follower's peer outbox and proposed it after the heal, so a
 * protected create retried by a recipe ran twice (the fault campaign's queue workload found
 * duplicate items this way). Now each write names its client connection, and the leader,
 * told by the new server that the session attached there, refuses the late one.
 * Needs root; skips with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient, type ZooKeeperClient } from '../../src/client/index.js';
import { NetnsCluster, netnsSkipReason } from '../support/netns-cluster.js';
import { NetnsEnsemble } from '../support/netns-ensemble.js';
import { sleep } from '../support/server-process.js';
import { othersThan } from './scenario.js';

const skip = netnsSkipReason();

describe('netns: a write forwarded before a cut', { skip, timeout: 120_000 }, () => {
  let cluster: NetnsCluster | undefined;
  let ensemble: NetnsEnsemble | undefined;
  before(async () => {
    cluster = await NetnsCluster.up(3);
    ensemble = await NetnsEnsemble.start(cluster, { tickTime: 500 });
  });
  after(async () => {
    await ensemble?.stop();
    await cluster?.down();
  });

  test('never commits after its client moved and saw it absent', async () => {
    assert.ok(ensemble !== undefined && cluster !== undefined);
    const leader = await ensemble.waitForLeader(ensemble.ids, 10_000);
    const [follower] = othersThan(ensemble.ids, leader);
    assert.ok(follower !== undefined);
    const client: ZooKeeperClient = createClient(ensemble.connectString(follower), {
      sessionTimeoutMs: 10_000,
      requestTimeoutMs: 5_000,
      shuffleHosts: false,
    });
    await client.connect();
    try {
      assert.equal(client.server, ensemble.address(follower));
      await cluster.isolate(follower);
      const outcome = await client.create('/late', { data: 'x' }).then(
        () => 'ok',
        (error: unknown) => String(error),
      );
      assert.notEqual(outcome, 'ok', 'a cut-off follower acknowledged a write');
      // The client has moved on; a sync orders this read after everything committed.
      await client.sync('/');
      assert.notEqual(client.server, ensemble.address(follower));
      assert.equal(await client.exists('/late'), null, 'absent after the sync');
      await cluster.heal();
      await sleep(5_000);
      await client.sync('/');
      const late = await client.exists('/late');
      assert.equal(late, null, `the lost write committed after the heal (zxid ${late?.czxid})`);
    } finally {
      await cluster.heal();
      await client.close().catch(() => undefined);
    }
  });
});
