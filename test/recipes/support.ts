/**
 * Shared helpers for the recipe suites: the target server started with a short tickTime (so
 * sessions may be as short as 1 s and expiry tests stay quick), many clients at once, a
 * client behind its own TCP proxy, and a checker that flags overlapping critical sections.
 */
import { createClient, type ClientOptions, type ZooKeeperClient } from '../../src/client/index.js';
import type { RunningServer } from '../support/server-process.js';
import { startTarget, type TargetName } from '../support/targets.js';
import { TcpProxy } from '../client/tcp-proxy.js';
import { waitFor } from '../client/support.js';

export { sleep, waitFor, within } from '../client/support.js';

export const TICK_MS = 500;
/** Short enough for expiry tests, long enough for a loaded machine. */
export const SHORT_SESSION_MS = 2_000;
export const FAST_RECONNECT: ClientOptions = { reconnectDelayMs: { initial: 20, max: 200 } };

export function startRecipeTarget(target: TargetName): Promise<RunningServer> {
  return startTarget(target, {
    zookeeper: { tickTime: TICK_MS },
    warren: { config: { tickTime: String(TICK_MS) } },
  });
}

export async function connect(
  connectString: string,
  opts: ClientOptions = {},
): Promise<ZooKeeperClient> {
  return createClient(connectString, { sessionTimeoutMs: 10_000, ...opts }).connect();
}

export function connectMany(connectString: string, n: number): Promise<ZooKeeperClient[]> {
  return Promise.all(Array.from({ length: n }, () => connect(connectString)));
}

export async function closeAll(clients: readonly ZooKeeperClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.close()));
}

/** A client whose connection runs through its own proxy, so a test can cut just it. */
export interface ProxiedClient {
  client: ZooKeeperClient;
  proxy: TcpProxy;
  close(): Promise<void>;
}

export async function connectProxied(
  serverPort: number,
  opts: ClientOptions = {},
): Promise<ProxiedClient> {
  const proxy = await TcpProxy.start(serverPort);
  const client = await connect(proxy.connectString, { ...FAST_RECONNECT, ...opts });
  return {
    client,
    proxy,
    close: async () => {
      await client.close();
      await proxy.stop();
    },
  };
}

/** Makes the server expire the client's session: refuse and cut until the session is gone. */
export async function forceExpiry(p: ProxiedClient, direct: ZooKeeperClient): Promise<void> {
  const probe = `/expiry-probe-${p.client.sessionId.toString(16)}`;
  await p.client.create(probe, { mode: 'ephemeral' });
  p.proxy.setRefusing(true);
  p.proxy.cut();
  await waitFor(async () => (await direct.exists(probe)) === null, 'session expiry', 20_000);
  p.proxy.setRefusing(false);
  await waitFor(() => p.client.state === 'expired', 'client sees expiry', 20_000);
}

/** Counts who is inside a critical section; `overlaps` must stay 0. */
export class OverlapChecker {
  inside = 0;
  overlaps = 0;
  entries = 0;

  enter(): void {
    this.inside++;
    this.entries++;
    if (this.inside > 1) this.overlaps++;
  }

  leave(): void {
    this.inside--;
  }
}

export function randomMs(max: number): number {
  return Math.floor(Math.random() * max);
}

/** A wait ended by session loss rejects with SessionExpiredError or RecipeError SESSION_LOST. */
export function isSessionLoss(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'WARREN_RECIPE_SESSION_LOST' || code === -112;
}
