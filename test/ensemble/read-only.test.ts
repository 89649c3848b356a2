/**
 * Read-only mode (readonlymode.enabled): a member cut off from the quorum serves reads to
 * clients that allow it ("can be read-only"), answers their writes NotReadOnly, says `ro`
 * to isro and `read-only` in mntr, refuses clients that do not allow it, and once a quorum
 * is back its read-only clients reconnect and write again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient, NotReadOnlyError } from '../../src/client/index.js';
import { sleep } from '../support/server-process.js';
import { clientOn, closeAll, sharedEnsemble, SUITE_TIMEOUT_MS } from './support/harness.js';

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('read-only mode', { timeout: SUITE_TIMEOUT_MS }, () => {
  const ensemble = sharedEnsemble({ size: 3, config: { 'readonlymode.enabled': 'true' } });

  it('serves reads without a quorum, refuses writes, and recovers', async () => {
    const ens = ensemble();
    const writer = await clientOn(ens, 1);
    await writer.create('/ro', { data: 'kept' });
    await writer.close();
    const survivor = 1;
    for (const other of ens.others(survivor)) await ens.kill(other.id);
    await until('isro to say ro', async () => {
      const answer = await ens.fourLetter(survivor, 'isro').catch(() => '');
      return answer.trim() === 'ro';
    });
    assert.equal((await ens.status(survivor)).get('server_state'), 'read-only');
    const connectString = ens.server(survivor).connectString;
    const strict = createClient(connectString, { initialConnectTimeoutMs: 1500 });
    await assert.rejects(strict.connect(), 'a client that needs writes is refused');
    await strict.close();
    const reader = createClient(connectString, { canBeReadOnly: true });
    try {
      await reader.connect();
      assert.equal(reader.state, 'readOnly');
      assert.equal((await reader.getData('/ro')).data?.toString(), 'kept');
      await assert.rejects(reader.create('/nope', { data: 'x' }), NotReadOnlyError);
      for (const other of ens.others(survivor)) ens.start(other.id);
      await ens.ready();
      await until('the reader to reconnect read-write', () =>
        Promise.resolve(reader.state === 'connected'),
      );
      await reader.create('/yes', { data: 'y' });
      assert.equal((await reader.getData('/yes')).data?.toString(), 'y');
    } finally {
      await closeAll([reader]);
    }
  });
});
