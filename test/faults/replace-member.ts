/**
 * docs/ensemble.md's procedure for a member whose data folder is lost or damaged beyond
 * repair, on the namespace ensemble: `reconfig -remove` it, start it empty with
 * `warren.join=true`, `reconfig -add` it back, then wait until it follows with the others'
 * state. Each reconfig is retried (the ensemble may be between leaders, or still faulted);
 * /zookeeper/config tells whether an attempt whose reply was lost took effect.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import type { ZooKeeperClient } from '../../src/client/index.js';
import { SUPER_PASSWORD, type NetnsEnsemble } from '../support/netns-ensemble.js';
import { sleep } from '../support/server-process.js';
import { campaignClient, closeQuietly, connectWithin } from './workload.js';

const PEER_PORT = 2888;
const RECONFIG_DEADLINE_MS = 60_000;

async function admin(ensemble: NetnsEnsemble, avoid: number): Promise<ZooKeeperClient> {
  const first = (avoid % ensemble.ids.length) + 1;
  const client = await connectWithin(() => campaignClient(ensemble, first, 10_000), 30_000);
  await client.addAuth('digest', `super:${SUPER_PASSWORD}`);
  return client;
}

async function member(client: ZooKeeperClient, id: number): Promise<boolean> {
  await client.sync('/zookeeper/config');
  const { data } = await client.getData('/zookeeper/config');
  return new RegExp(`^server\\.${id}=`, 'm').test(data?.toString('utf8') ?? '');
}

/** Runs `change` until /zookeeper/config lists `id` as `wanted`; throws after deadlineMs. */
async function reconfigUntil(
  client: ZooKeeperClient,
  id: number,
  wanted: boolean,
  change: () => Promise<unknown>,
  deadlineMs: number,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let last = 'no attempt';
  for (;;) {
    try {
      if ((await member(client, id)) === wanted) return;
      await change();
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > deadline) {
      throw new Error(`reconfig ${wanted ? 'add' : 'remove'} ${id} did not happen: ${last}`);
    }
    await sleep(1_000);
  }
}

/** Takes a down member out of the configuration; false when it did not happen in time. */
export async function removeMember(
  ensemble: NetnsEnsemble,
  id: number,
  deadlineMs: number,
): Promise<boolean> {
  const client = await admin(ensemble, id);
  try {
    const remove = () => client.reconfig({ leavingServers: String(id) });
    await reconfigUntil(client, id, false, remove, deadlineMs);
    return true;
  } catch {
    return false;
  } finally {
    await closeQuietly(client);
  }
}

async function listening(host: string, port: number, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on ${host}:${port} after ${deadlineMs} ms`);
}

/** The first line of the joiner's log from `offset` that says why it stopped. */
function crashReason(ensemble: NetnsEnsemble, id: number, offset: number): string {
  const text = readFileSync(ensemble.logFile(id)).subarray(offset).toString('utf8');
  const lines = text.split('\n');
  const line =
    lines.find((l) => /^[A-Za-z]*Error: /.test(l)) ?? lines.find((l) => /"level":[56]0/.test(l));
  return (line ?? 'no reason in its log').slice(0, 300);
}

/**
 * The whole procedure for member `id`, which must be down; wipes its data folder. A joiner
 * that dies before it follows is reported through `problem` and started again (still empty,
 * still joining), so one crash does not end the campaign.
 */
export async function replaceMember(
  ensemble: NetnsEnsemble,
  id: number,
  problem: (what: string) => void,
): Promise<void> {
  if (ensemble.isRunning(id)) await ensemble.signal(id, 'SIGKILL');
  rmSync(ensemble.dataDir(id), { recursive: true, force: true });
  const logStart = statSync(ensemble.logFile(id)).size;
  const relaunchIfDead = (): void => {
    if (ensemble.isRunning(id)) return;
    problem(`joiner ${id} stopped before it followed: ${crashReason(ensemble, id, logStart)}`);
    rmSync(ensemble.dataDir(id), { recursive: true, force: true });
    ensemble.launch(id, { join: true });
  };
  const client = await admin(ensemble, id);
  try {
    const remove = () => client.reconfig({ leavingServers: String(id) });
    await reconfigUntil(client, id, false, remove, RECONFIG_DEADLINE_MS);
    ensemble.launch(id, { join: true });
    // The add waits only initLimit ticks for the joiner to connect: let it listen first.
    await listening(ensemble.cluster.address(id), PEER_PORT, 30_000);
    const add = async () => {
      relaunchIfDead();
      await client.reconfig({ joiningServers: ensemble.serverLine(id) });
    };
    await reconfigUntil(client, id, true, add, RECONFIG_DEADLINE_MS);
  } finally {
    await closeQuietly(client);
  }
  const deadline = Date.now() + 60_000;
  while (!['follower', 'leader'].includes((await ensemble.state(id))?.mode ?? '')) {
    if (Date.now() > deadline) throw new Error(`replaced member ${id} never followed`);
    relaunchIfDead();
    await sleep(500);
  }
}
