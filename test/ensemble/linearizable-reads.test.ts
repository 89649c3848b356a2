/**
 * warren.linearizableReads=true: a read on any member waits for the leader's commit point,
 * so it sees every write acknowledged before the read was sent, even one another session
 * made through another member. Without the setting a follower may answer from behind (its
 * commit index trails the leader's by a round trip), which ZooKeeper allows; each round here
 * acknowledges a write through one member and at once reads it through every other member.
 * WARREN_LINEARIZABLE_READS=false runs the same rounds without the setting and only reports
 * how many reads were stale, to show the rounds can catch a stale read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { clientOn, closeAll, sharedEnsemble, SUITE_TIMEOUT_MS } from './support/harness.js';

const ROUNDS = Number(process.env['WARREN_LINEARIZABLE_ROUNDS'] ?? 300);
const CHECKED = process.env['WARREN_LINEARIZABLE_READS'] !== 'false';
const PATH = '/lr';

describe(
  `linearizable reads (warren.linearizableReads=${CHECKED})`,
  {
    timeout: SUITE_TIMEOUT_MS,
  },
  () => {
    const ensemble = sharedEnsemble({
      size: 3,
      config: { 'warren.linearizableReads': String(CHECKED) },
    });

    it('sees every write acknowledged before the read, on every member', async (t) => {
      const ens = ensemble();
      const clients: ZooKeeperClient[] = await Promise.all(
        ens.servers.map((s) => clientOn(ens, s.id, { only: true })),
      );
      const stale: string[] = [];
      try {
        await clients[0]?.create(PATH, { data: 'r0' });
        for (let round = 1; round <= ROUNDS; round++) {
          const w = round % clients.length;
          const writer = clients[w] as ZooKeeperClient;
          const acked = await writer.setData(PATH, `r${round}`);
          // Sent together, right after the acknowledgement, through every other member.
          const reads = await Promise.all(
            clients.map((c, r) => (r === w ? Promise.resolve(undefined) : c.getData(PATH))),
          );
          reads.forEach((read, r) => {
            if (read === undefined || read.stat.version >= acked.version) return;
            stale.push(
              `round ${round}: server ${r + 1} read v${read.stat.version} ` +
                `(${read.data?.toString() ?? ''}) after server ${w + 1} acked v${acked.version}`,
            );
          });
        }
      } finally {
        await closeAll(clients);
      }
      t.diagnostic(`${stale.length} stale reads in ${ROUNDS} rounds`);
      if (CHECKED) assert.deepEqual(stale.slice(0, 10), [], 'reads behind an acknowledged write');
    });
  },
);
