/**
 * What every campaign workload provides: it runs from start() to stop() against the
 * ensemble while the nemesis acts, then check() (after the heal, the ensemble converged)
 * returns its violations. Each keeps what a failure report needs in dump(), bounded.
 */
import { createClient, type ZooKeeperClient } from '../../src/client/index.js';
import type { NetnsEnsemble } from '../support/netns-ensemble.js';

export interface WorkloadReport {
  operations: number;
  /** One line per violation; empty when the workload's invariants held. */
  violations: string[];
}

export interface Workload {
  readonly name: string;
  start(): Promise<void>;
  /** Stops the clients; each finishes or abandons its current operation. */
  stop(): Promise<void>;
  check(): Promise<WorkloadReport>;
  /** The history a failure report prints (JSON-serialisable). */
  dump(): unknown;
}

/** Options every campaign client shares: all servers, starting at `first`, fast reconnects. */
export function campaignClient(
  ensemble: NetnsEnsemble,
  first: number,
  sessionTimeoutMs: number,
): ZooKeeperClient {
  return createClient(ensemble.connectString(first), {
    sessionTimeoutMs,
    requestTimeoutMs: 8_000,
    shuffleHosts: false,
    reconnectDelayMs: { initial: 50, max: 500 },
  });
}

/** Connects, retrying (the ensemble may be between leaders) until `deadlineMs` passes. */
export async function connectWithin(
  make: () => ZooKeeperClient,
  deadlineMs: number,
): Promise<ZooKeeperClient> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const client = make();
    try {
      return await client.connect({ signal: AbortSignal.timeout(5_000) });
    } catch (error) {
      await client.close().catch(() => undefined);
      if (Date.now() > deadline) throw error;
    }
  }
}

/** Closes a client without waiting longer than `ms` (its server may be gone). */
export async function closeQuietly(client: ZooKeeperClient, ms = 3_000): Promise<void> {
  await Promise.race([
    client.close().catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, ms)),
  ]);
}

/** Keeps at most `max` items of a list for a report, with a note of how many were cut. */
export function bounded<T>(items: readonly T[], max: number): { items: T[]; omitted: number } {
  return { items: items.slice(-max), omitted: Math.max(0, items.length - max) };
}

/**
 * One client of a workload loop: `get()` returns it, or a new session once the old one
 * expired or closed (a session ending is no violation by itself; the checks say what may not
 * happen across it). Resolves undefined when `stopping()` turns true while reconnecting.
 */
export class ClientSlot {
  private client: ZooKeeperClient | undefined;
  /** Sessions this slot had to replace. */
  replaced = 0;

  constructor(
    private readonly make: () => ZooKeeperClient,
    private readonly stopping: () => boolean,
  ) {}

  async get(): Promise<ZooKeeperClient | undefined> {
    const current = this.client;
    if (current !== undefined && current.state !== 'expired' && current.state !== 'closed') {
      return current;
    }
    if (current !== undefined) {
      this.replaced++;
      await closeQuietly(current);
    }
    this.client = undefined;
    while (!this.stopping()) {
      try {
        this.client = await connectWithin(this.make, 10_000);
        return this.client;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    return undefined;
  }

  async close(): Promise<void> {
    if (this.client !== undefined) await closeQuietly(this.client);
  }
}
