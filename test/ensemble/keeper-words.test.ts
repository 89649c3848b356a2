/**
 * ClickHouse Keeper's four-letter words in a 3-member ensemble: a follower's `rqld` makes it
 * the leader (Raft leadership transfer through the leader), the leader's `ydld` hands over to
 * another voter, `lgif` agrees across members once writes settle, `csnp` snapshots a follower.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sleep } from '../support/server-process.js';
import { parseLgif } from '../support/lgif.js';
import { clientOn, SUITE_TIMEOUT_MS, withEnsemble } from './support/harness.js';

const config = { '4lw.commands.whitelist': 'mntr,srvr,csnp,lgif,rqld,ydld' };

describe('Keeper words in an ensemble', { timeout: SUITE_TIMEOUT_MS }, () => {
  it('moves leadership with rqld and ydld, and reports the log with lgif and csnp', async () => {
    await withEnsemble({ size: 3, config }, async (ens) => {
      const first = await ens.leader();
      const follower = ens.others(first.id)[0];
      assert.ok(follower !== undefined);
      assert.equal(
        await ens.fourLetter(follower.id, 'rqld'),
        'Sent leadership request to leader.\n',
      );
      assert.equal((await waitForLeader(ens, (id) => id === follower.id)).id, follower.id);

      assert.equal(
        await ens.fourLetter(follower.id, 'ydld'),
        'Sent yield leadership request to leader.\n',
      );
      const third = await waitForLeader(ens, (id) => id !== follower.id);
      assert.notEqual(third.id, follower.id);

      const client = await clientOn(ens, third.id);
      try {
        for (let i = 0; i < 20; i++) await client.create(`/keeper-${i}`, { data: 'x' });
        await client.sync('/');
      } finally {
        await client.close();
      }
      const other = ens.others(third.id)[0];
      assert.ok(other !== undefined);
      const answer = await ens.fourLetter(other.id, 'csnp');
      assert.match(answer, /^\d+\n$/);
      const deadline = Date.now() + 20_000;
      for (;;) {
        const infos = await Promise.all(
          ens.servers.map(async (s) => parseLgif(await ens.fourLetter(s.id, 'lgif'))),
        );
        const applied = infos.map((i) => i.get('last_committed_log_idx'));
        const snapshot = parseLgif(await ens.fourLetter(other.id, 'lgif')).get('last_snapshot_idx');
        if (new Set(applied).size === 1 && (snapshot ?? 0) >= Number(answer)) break;
        assert.ok(Date.now() < deadline, `lgif never agreed: ${JSON.stringify(applied)}`);
        await sleep(100);
      }
    });
  });
});

async function waitForLeader(
  ens: Parameters<Parameters<typeof withEnsemble>[1]>[0],
  wanted: (id: number) => boolean,
) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const leader = await ens.leader();
    if (wanted(leader.id)) return leader;
    assert.ok(Date.now() < deadline, `leader stayed ${leader.id}`);
    await sleep(100);
  }
}
