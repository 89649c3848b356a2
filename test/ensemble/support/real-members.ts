/**
 * Real member processes started by hand from their own zoo.cfg, for tests that change an
 * ensemble's membership the way an operator does (docs/ensemble.md): each server has fixed
 * ports and a data folder with its myid, and `start` writes its config (tickTime 500,
 * reconfig on, a super digest) and spawns `warren server --config`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { createClient, type ZooKeeperClient } from '../../../src/client/index.js';
import { freePort, LOOPBACK_HOST } from '../../support/ports.js';
import { RawClient } from '../../support/raw-client.js';
import {
  logTail,
  removeOwnedDir,
  sleep,
  spawnServer,
  stopServer,
  type ServerProcess,
} from '../../support/server-process.js';
import { WARREN_MAIN } from '../../support/warren-proc.js';

export const SUPER_PASSWORD = 'grow-test';
const superDigest = createHash('sha1').update(`super:${SUPER_PASSWORD}`).digest('base64');

export interface Server {
  id: number;
  clientPort: number;
  peerPort: number;
  electionPort: number;
  dataDir: string;
  logFile: string;
  proc: ServerProcess | null;
}

export function line(s: Server): string {
  const ports = `${s.peerPort}:${s.electionPort}`;
  return `server.${s.id}=${LOOPBACK_HOST}:${ports}:participant;${s.clientPort}`;
}

export function start(s: Server, members: Server[], extra: Record<string, string>): void {
  mkdirSync(s.dataDir, { recursive: true });
  writeFileSync(join(s.dataDir, 'myid'), `${s.id}\n`);
  const config = {
    tickTime: '500',
    initLimit: '10',
    syncLimit: '5',
    dataDir: s.dataDir,
    standaloneEnabled: 'false',
    reconfigEnabled: 'true',
    'DigestAuthenticationProvider.superDigest': `super:${superDigest}`,
    ...extra,
  };
  const text =
    Object.entries(config)
      .map(([k, v]) => `${k}=${v}\n`)
      .join('') + members.map((m) => `${line(m)}\n`).join('');
  const file = join(s.dataDir, '..', `zoo-${s.id}.cfg`);
  writeFileSync(file, text);
  s.proc = spawnServer(process.execPath, [WARREN_MAIN, 'server', '--config', file], {
    logFile: s.logFile,
  });
}

export async function connected(s: Server) {
  const client = createClient(`${LOOPBACK_HOST}:${s.clientPort}`, { sessionTimeoutMs: 10_000 });
  await client.connect();
  return client;
}

/** Re-attaches a session, retrying until the restarted server answers. */
export async function reattach(s: Server, session: { sessionId: bigint; passwd: Buffer }) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await RawClient.connect(LOOPBACK_HOST, s.clientPort, {
        timeoutMs: 30_000,
        ...session,
      });
    } catch (error) {
      if (attempt >= 100) throw error;
      await sleep(100);
    }
  }
}

export async function children(client: ZooKeeperClient, path: string): Promise<string[]> {
  return (await client.getChildren(path)).sort();
}

/** Servers 1..count with free ports and folders under `root` (nothing started). */
export async function planServers(root: string, count: number): Promise<Server[]> {
  const servers: Server[] = [];
  for (let id = 1; id <= count; id++) {
    servers.push({
      id,
      clientPort: await freePort(),
      peerPort: await freePort(),
      electionPort: await freePort(),
      dataDir: join(root, `server${id}`),
      logFile: join(root, `server${id}.log`),
      proc: null,
    });
  }
  return servers;
}

/** A connected client, retrying while the ensemble elects its first leader. */
export async function connectedEventually(s: Server): Promise<ZooKeeperClient> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await connected(s);
    } catch (error) {
      if (attempt >= 100) throw error;
      await sleep(200);
    }
  }
}

/** Resolves once something accepts TCP connections on `port` (127.0.0.1). */
export async function listening(port: number): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on port ${port}`);
}

/** A failed test shows the end of every member's log. */
export function printLogTails(servers: readonly Server[]): void {
  for (const s of servers) console.log(`--- server ${s.id}\n${logTail(s.logFile, 30)}`);
}

/** Closes the clients, stops the members still running and removes their folder. */
export async function cleanUp(
  servers: readonly Server[],
  clients: readonly ZooKeeperClient[],
  root: string,
): Promise<void> {
  for (const client of clients) await client.close().catch(() => undefined);
  for (const s of servers) if (s.proc !== null) await stopServer(s.proc);
  await sleep(10);
  removeOwnedDir(root);
}
