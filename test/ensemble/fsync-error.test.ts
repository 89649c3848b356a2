/**
 * A failed fsync (test/support/fsync-fail-shim.c, preloaded into every member) on the member
 * whose acknowledgement the quorum needs, one member being down: the write is not
 * acknowledged while that fsync fails, the member stops with exit code 3 naming its WAL
 * segment, and restarted on its data folder it catches up (docs/ensemble.md). Once with a
 * follower's fsync failing, once with the leader's. Skips when no C compiler builds the shim.
 */
import assert from 'node:assert/strict';
import { realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import type { Ensemble } from '../support/ensemble-proc.js';
import { buildFsyncShim, fsyncShimEnv } from '../support/fsync-fail-shim.js';
import { makeOwnedDir, removeOwnedDir, sleep } from '../support/server-process.js';
import { waitConverged } from './support/converge.js';
import { allUp, clientOn, SUITE_TIMEOUT_MS, withEnsemble } from './support/harness.js';

const shim = buildFsyncShim();
const skip = 'skip' in shim ? shim.skip : undefined;
if (skip !== undefined) console.log(`fsync-error tests skipped: ${skip}`);
const STOP_WITHIN_MS = 10_000;
/** A write that could be acknowledged shows it well within this (loopback, tmpfs or disk). */
const NOT_ACKNOWLEDGED_MS = 1_000;

async function stopped(ens: Ensemble, id: number): Promise<void> {
  const deadline = Date.now() + STOP_WITHIN_MS;
  while (ens.server(id).state !== 'down') {
    if (Date.now() > deadline) throw new Error(`server ${id} runs ${STOP_WITHIN_MS} ms on`);
    await sleep(50);
  }
}

/**
 * With `down` killed, makes `failing`'s fsync fail and writes through `via`: the write must
 * not be acknowledged, `failing` must stop naming its WAL segment; then both come back.
 */
async function failedFsync(
  ens: Ensemble,
  trigger: (id: number) => string,
  ids: { failing: number; down: number; via: number },
  path: string,
): Promise<string> {
  const client: ZooKeeperClient = await clientOn(ens, ids.via, { only: true });
  let acknowledged = false;
  try {
    await ens.kill(ids.down);
    await client.create(`${path}-before`);
    writeFileSync(trigger(ids.failing), '');
    const write = client.create(path).then(
      () => (acknowledged = true),
      () => false,
    );
    await stopped(ens, ids.failing);
    const exit = ens.exitStatus(ids.failing);
    assert.equal(exit?.code, 3, `server ${ids.failing} exit: ${JSON.stringify(exit)}`);
    const segment = join(ens.server(ids.failing).dataDir, 'raft-log', 'log.');
    const said = ens.log(ids.failing);
    assert.ok(said.includes(`fsync of WAL segment ${segment}`), 'the error names the segment');
    assert.match(said, /failed \(EIO\)/);
    await sleep(NOT_ACKNOWLEDGED_MS);
    assert.equal(acknowledged, false, 'a write whose fsync failed was acknowledged');
    rmSync(trigger(ids.failing));
    await allUp(ens);
    // Acknowledged now, once a quorum has it, or lost with its connection: both are right.
    await write;
  } finally {
    await client.close().catch(() => undefined);
  }
  assert.equal((await waitConverged(ens)).size, 3, 'every member caught up');
  const reader = await clientOn(ens, ids.failing, { only: true });
  try {
    await reader.sync('/');
    assert.notEqual(await reader.exists(`${path}-before`), null, 'the restarted member has it');
    if (acknowledged) assert.notEqual(await reader.exists(path), null, 'an acknowledged write');
  } finally {
    await reader.close();
  }
  const after = acknowledged ? 'acknowledged after the restart' : 'failed with its connection';
  return `server ${ids.failing} stopped (exit 3); the write ${after}`;
}

describe('fsync errors (LD_PRELOAD shim)', { skip, timeout: SUITE_TIMEOUT_MS }, () => {
  it('a write is not acknowledged and the member stops, naming the file', async (t) => {
    if ('skip' in shim) return;
    const triggers = makeOwnedDir('warren-fsync-');
    const trigger = (id: number): string => join(triggers, `fail${id}`);
    const memberEnv = (id: number, dataDir: string) =>
      // /proc names the fd's file without symbolic links; the data folder may not exist yet.
      fsyncShimEnv(shim.library, trigger(id), join(realpathSync(dirname(dataDir)), 'data'), {});
    try {
      await withEnsemble({ size: 3, memberEnv }, async (ens) => {
        const leader = (await ens.leader()).id;
        const [a, b] = ens.others(leader).map((s) => s.id);
        assert.ok(a !== undefined && b !== undefined);
        const ids = { failing: a, down: b, via: leader };
        t.diagnostic(`follower: ${await failedFsync(ens, trigger, ids, '/follower')}`);
        const next = (await ens.leader()).id;
        const [c, d] = ens.others(next).map((s) => s.id);
        assert.ok(c !== undefined && d !== undefined);
        const again = { failing: next, down: c, via: next };
        t.diagnostic(`leader: ${await failedFsync(ens, trigger, again, '/leader')}`);
      });
    } finally {
      removeOwnedDir(triggers);
    }
  });
});
