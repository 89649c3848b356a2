// Proves warren/testing as a user's suite would use it: an in-process TestingServer serves,
// keeps its data across restart() and removes its directory at stop(); a child-process one
// survives kill() + restart() on the same data and stops answering while paused; a 3-member
// TestingCluster keeps serving writes with one member killed or paused, and a restarted
// member catches up. Each server or cluster is stopped in a finally, dirs checked gone.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  ConnectionLossError,
  createClient,
  NodeExistsError,
  OperationTimeoutError,
  type ZooKeeperClient,
} from '../../src/client/index.js';
import { TestingCluster, TestingServer } from '../../src/testing/index.js';

async function connect(connectString: string): Promise<ZooKeeperClient> {
  return createClient(connectString, { sessionTimeoutMs: 4_000 }).connect();
}

/** Runs a write again after connection losses while the ensemble elects a new leader. */
async function eventually<T>(write: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof ConnectionLossError) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('warren/testing', () => {
  it('runs a server in this process, restarts it on the same data, removes it', async () => {
    const server = await TestingServer.start();
    try {
      const client = await connect(server.connectString);
      await client.create('/kept', { data: 'yes' });
      await client.close();
      await server.restart();
      const again = await connect(server.connectString);
      assert.equal((await again.getData('/kept')).data?.toString(), 'yes');
      await again.close();
      assert.equal(server.pid, process.pid);
      await assert.rejects(server.kill(), /needs mode: 'childProcess'/);
    } finally {
      await server.stop();
    }
    assert.equal(existsSync(server.rootDir), false);
  });

  it('crashes, pauses and restarts a child-process server', async () => {
    const server = await TestingServer.start({ mode: 'childProcess' });
    try {
      assert.notEqual(server.pid, process.pid);
      const client = await connect(server.connectString);
      await client.create('/durable', { data: 'd' });
      await client.close();
      await server.kill();
      await server.restart();
      const again = await connect(server.connectString);
      assert.equal((await again.getData('/durable')).data?.toString(), 'd');
      await server.pause();
      await assert.rejects(again.getData('/durable', { timeoutMs: 300 }), OperationTimeoutError);
      await server.resume();
      assert.equal((await again.getData('/durable')).data?.toString(), 'd');
      await again.close();
    } finally {
      await server.stop();
    }
    assert.equal(existsSync(server.rootDir), false);
  });

  it('runs a 3-member cluster that survives a killed or paused member', async () => {
    const cluster = await TestingCluster.start({ size: 3 });
    try {
      assert.equal(cluster.members.length, 3);
      const client = await connect(cluster.member(3).connectString);
      await cluster.kill(1);
      assert.equal(cluster.member(1).state, 'down');
      // The killed member may have led: the others drop connections while they elect.
      await eventually(() =>
        client.create('/while-down', { data: '1' }).catch((error: unknown) => {
          if (!(error instanceof NodeExistsError)) throw error;
          return '/while-down';
        }),
      );
      await cluster.restart(1);
      const first = await connect(cluster.member(1).connectString);
      await first.sync('/');
      assert.equal((await first.getData('/while-down')).data?.toString(), '1');
      await first.close();

      await cluster.pause(2);
      assert.equal(cluster.member(2).state, 'paused');
      await eventually(() => client.setData('/while-down', '2'));
      await cluster.resume(2);
      const second = await connect(cluster.member(2).connectString);
      await second.sync('/');
      assert.equal((await second.getData('/while-down')).data?.toString(), '2');
      await second.close();
      await client.close();
    } finally {
      await cluster.stop();
    }
    assert.equal(existsSync(cluster.rootDir), false);
  });
});
