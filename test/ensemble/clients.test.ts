/**
 * Third-party clients through a leader failover: kazoo (Python) and node-zookeeper-client,
 * given every member's address, are connected to the leader when it is SIGKILLed. They must
 * reconnect elsewhere with the same session, find their ephemeral node still there, and
 * write. kazoo runs test/ensemble/kazoo_failover.py, skipped (as in test/interop) when
 * Debian's python3 cannot import kazoo.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { waitFor } from '../client/support.js';
import type { Ensemble, EnsembleServer } from '../support/ensemble-proc.js';
import { CreateMode, NodeZkClient } from '../support/node-zk-client.js';
import { allUp, sharedEnsemble, SUITE_TIMEOUT_MS } from './support/harness.js';

const PYTHON = '/usr/bin/python3';
/** The script is not compiled: from dist/test/ensemble back to the source tree. */
const SCRIPT = fileURLToPath(new URL('../../../test/ensemble/kazoo_failover.py', import.meta.url));
const SCRIPT_TIMEOUT_MS = 90_000;
const RECONNECT_MS = 30_000;
const PLACEMENT_TRIES = 20;

function kazooSkipReason(): string | undefined {
  if (!existsSync(SCRIPT)) return `${SCRIPT} is missing`;
  const probe = spawnSync(PYTHON, ['-c', 'import kazoo'], { stdio: 'ignore', timeout: 20_000 });
  if (probe.status !== 0) return `${PYTHON} cannot import kazoo: apt-get install python3-kazoo`;
  return undefined;
}

/** Every member's address, `first` first. */
function hostsFrom(ens: Ensemble, first: EnsembleServer): string {
  return [first, ...ens.others(first.id)].map((s) => s.connectString).join(',');
}

/** True when `member`'s `cons` lists a connection of session `sessionId`. */
async function holdsSession(ens: Ensemble, member: number, sessionId: bigint): Promise<boolean> {
  const cons = await ens.fourLetter(member, 'cons');
  return cons.includes(`sid=0x${sessionId.toString(16)},`);
}

interface KazooRun {
  code: number | null;
  lines: string[];
  stderr: string;
}

/** Runs the script; on `READY <session>` awaits `onReady(session)`, then writes KILLED. */
function runKazoo(hosts: string, onReady: (session: bigint) => Promise<void>): Promise<KazooRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, hosts, '/kazoo-failover'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const err: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (!line.startsWith('READY ')) return;
      onReady(BigInt(line.slice('READY '.length))).then(
        () => child.stdin.end('KILLED\n'),
        (error: unknown) => {
          child.kill('SIGKILL');
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), SCRIPT_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, lines, stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Kills the leader and waits until the others agree on a new one. */
async function killLeader(ens: Ensemble, leader: EnsembleServer): Promise<void> {
  await ens.kill(leader.id);
  await ens.leader();
}

/** A node-zookeeper-client session on `member`: connects until the shuffle lands there. */
async function nzcOn(ens: Ensemble, member: EnsembleServer): Promise<NodeZkClient> {
  for (let attempt = 1; ; attempt++) {
    const client = await NodeZkClient.connect(hostsFrom(ens, member));
    const session = client.sessionId.readBigUInt64BE();
    if (await holdsSession(ens, member.id, session)) return client;
    await client.close();
    if (attempt >= PLACEMENT_TRIES) throw new Error(`never connected to server ${member.id}`);
  }
}

describe('third-party clients through a leader kill', { timeout: SUITE_TIMEOUT_MS }, () => {
  const ensemble = sharedEnsemble({ size: 3 });

  it('kazoo keeps its session and ephemeral, and writes', { skip: kazooSkipReason() }, async () => {
    const ens = ensemble();
    const leader = await ens.leader();
    try {
      let placed = false;
      const run = await runKazoo(hostsFrom(ens, leader), async (session) => {
        placed = await holdsSession(ens, leader.id, session);
        await killLeader(ens, leader);
      });
      const context = `kazoo_failover.py: exit ${run.code}\n${run.lines.join('\n')}\n${run.stderr}`;
      assert.ok(placed, `kazoo was not connected to the leader\n${context}`);
      assert.equal(run.code, 0, context);
      assert.equal(run.lines.at(-1), 'OK failover', context);
      const report = JSON.parse(run.lines.at(-2) ?? '') as { observed: Record<string, unknown> };
      const { states: seen, ...rest } = report.observed;
      const states = Array.isArray(seen) ? seen.map(String) : [];
      assert.deepEqual(rest, { sameSession: true, ephemeralOwnerMatches: true, data: 'after' });
      // It may reconnect to a member that then drops it while the election settles: any
      // number of SUSPENDED/CONNECTED rounds, never LOST (expired), ending connected.
      assert.equal(states[0], 'CONNECTED', context);
      assert.ok(states.includes('SUSPENDED'), `it saw the leader go\n${context}`);
      assert.ok(!states.includes('LOST'), `the session was never lost\n${context}`);
      assert.equal(states.at(-1), 'CONNECTED', context);
    } finally {
      await allUp(ens);
    }
  });

  it('node-zookeeper-client keeps its session and ephemeral, and writes', async () => {
    const ens = ensemble();
    const leader = await ens.leader();
    const client = await nzcOn(ens, leader);
    const states: string[] = [];
    for (const state of ['disconnected', 'connected', 'expired'] as const) {
      client.raw.on(state, () => states.push(state));
    }
    try {
      const session = client.sessionId;
      await client.create('/nzc-failover');
      await client.create('/nzc-failover/eph', Buffer.from('mine'), CreateMode.EPHEMERAL);
      await killLeader(ens, leader);
      // The election has settled: once connected again, no member drops it any more.
      await waitFor(
        () => client.raw.getState().name === 'SYNC_CONNECTED',
        'node-zookeeper-client to reconnect',
        RECONNECT_MS,
      );
      assert.deepEqual(client.sessionId, session, 'the same session');
      const eph = await client.exists('/nzc-failover/eph');
      assert.ok(eph !== null, 'the ephemeral survived');
      assert.deepEqual(eph.ephemeralOwner, session);
      await client.setData('/nzc-failover/eph', Buffer.from('after'));
      assert.equal((await client.getData('/nzc-failover/eph')).data?.toString(), 'after');
      assert.equal(states[0], 'disconnected', 'it saw the leader go');
      assert.ok(!states.includes('expired'), `the session never expired: ${states.join(', ')}`);
    } finally {
      await client.close();
      await allUp(ens);
    }
  });
});
