// Proves the server launchers in test/support that every interop, differential and crash test
// relies on: each target starts on a free 127.0.0.1 port, answers a handshake and `srvr`,
// survives SIGKILL with its data when restarted on the same dataDir and port, and stop()
// ends the process and removes the temp dirs the launcher made.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fourLetter } from '../support/four-letter.js';
import { probeHandshake } from '../support/handshake.js';
import { NodeZkClient } from '../support/node-zk-client.js';
import { startTarget, targetSkipReason, TARGETS } from '../support/targets.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

for (const target of TARGETS) {
  describe(`${target} launcher`, { skip: targetSkipReason(target), timeout: 120_000 }, () => {
    it('starts, restarts after SIGKILL on the same data, and stops cleanly', async () => {
      const first = await startTarget(target);
      assert.equal(first.host, '127.0.0.1');
      assert.equal(first.connectString, `127.0.0.1:${first.port}`);
      assert.ok((await probeHandshake(first.host, first.port)).sessionId !== 0n);
      assert.match(await fourLetter(first.host, first.port, 'srvr'), /^Mode: standalone$/m);
      const writer = await NodeZkClient.connect(first.connectString);
      await writer.create('/launcher', Buffer.from('durable'));
      await first.kill('SIGKILL');
      assert.equal(alive(first.pid), false, 'SIGKILL resolved after the process exited');
      writer.raw.close();

      const second = await startTarget(target, {
        zookeeper: { dataDir: first.dataDir, port: first.port },
        warren: { dataDir: first.dataDir, port: first.port },
      });
      try {
        assert.equal(second.port, first.port);
        const reader = await NodeZkClient.connect(second.connectString);
        assert.equal((await reader.getData('/launcher')).data?.toString(), 'durable');
        await reader.close();
      } finally {
        await second.stop();
      }
      assert.equal(alive(second.pid), false);
      assert.ok(existsSync(first.dataDir), "a restarted server never removes another's dataDir");
      await first.stop();
      assert.equal(existsSync(first.dataDir), false, 'stop() removed the temp dirs');
    });
  });
}
