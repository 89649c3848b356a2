/**
 * The steady write stream of the failover measurement: N sessions of this repo's client
 * (`warren/client`, which also speaks to ZooKeeper), each given the full connect string (in a
 * rotated order, so session i starts on server i mod 3 and fails over to the others), each
 * keeping K setData requests outstanding on its own znode. Every acknowledged write records
 * when it was sent and when its reply came; a failed write (connection loss, ...) is counted
 * by error name and sent again. A session whose session expired is replaced by a new one.
 */
import { performance } from 'node:perf_hooks';
import { createClient, type ZooKeeperClient } from '../src/client/index.js';
import { makeValue } from '../src/bench/workload.js';

export interface WriterPlan {
  /** host:port of every member, comma-separated. */
  connectString: string;
  sessions: number;
  inflight: number;
  sessionTimeoutMs: number;
  valueBytes: number;
  /** Parent znode of the per-session znodes (created by start()). */
  root: string;
}

export interface Ack {
  sentAt: number;
  ackAt: number;
}

/** Reconnect quickly and often: the figure is meant to measure the servers, not the backoff. */
const CLIENT_OPTIONS = {
  connectTimeoutMs: 2_000,
  reconnectDelayMs: { initial: 20, max: 250 },
  requestTimeoutMs: 0,
  shuffleHosts: false,
};
const RETRY_PAUSE_MS = 1;

function rotated(connectString: string, by: number): string {
  const hosts = connectString.split(',');
  const k = by % hosts.length;
  return [...hosts.slice(k), ...hosts.slice(0, k)].join(',');
}

function errorName(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class FailoverWriters {
  /** In completion order, so ackAt is non-decreasing. */
  readonly acks: Ack[] = [];
  readonly errors = new Map<string, number>();
  sessionsReplaced = 0;
  private stopped = false;
  private readonly clients: ZooKeeperClient[] = [];
  private readonly loops: Promise<void>[] = [];

  constructor(private readonly plan: WriterPlan) {}

  private async connect(index: number): Promise<ZooKeeperClient> {
    const { connectString, sessionTimeoutMs } = this.plan;
    const client = await createClient(rotated(connectString, index), {
      ...CLIENT_OPTIONS,
      sessionTimeoutMs,
    }).connect();
    this.clients[index] = client;
    return client;
  }

  /** Opens the sessions, creates their znodes and starts writing. */
  async start(): Promise<void> {
    const { sessions, inflight, valueBytes, root } = this.plan;
    const clients = await Promise.all(Array.from({ length: sessions }, (_, i) => this.connect(i)));
    await clients[0]?.create(root);
    await Promise.all(clients.map((c, i) => c.create(`${root}/s${i}`)));
    for (let i = 0; i < sessions; i++) {
      const value = makeValue(valueBytes, i + 1);
      for (let k = 0; k < inflight; k++) this.loops.push(this.loop(i, value));
    }
  }

  private async loop(index: number, value: Buffer): Promise<void> {
    const path = `${this.plan.root}/s${index}`;
    while (!this.stopped) {
      const client = this.clients[index];
      if (client === undefined) return;
      const sentAt = performance.now();
      try {
        await client.setData(path, value);
        this.acks.push({ sentAt, ackAt: performance.now() });
      } catch (error) {
        if (this.stopped) return;
        const name = errorName(error);
        this.errors.set(name, (this.errors.get(name) ?? 0) + 1);
        if (client.state === 'expired' || client.state === 'closed') await this.replace(index);
        await sleep(RETRY_PAUSE_MS);
      }
    }
  }

  /** A new session for slot `index` once, however many of its loops noticed the loss. */
  private replacing = new Map<number, Promise<void>>();

  private replace(index: number): Promise<void> {
    const pending = this.replacing.get(index);
    if (pending !== undefined) return pending;
    const done = (async () => {
      if (this.clients[index]?.state !== 'expired' && this.clients[index]?.state !== 'closed') {
        return;
      }
      this.sessionsReplaced++;
      await this.connect(index).catch(() => undefined);
    })().finally(() => this.replacing.delete(index));
    this.replacing.set(index, done);
    return done;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.clients.map((c) => c.close().catch(() => undefined)));
    await Promise.all(this.loops);
  }
}
