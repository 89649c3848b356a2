/**
 * A steady write load for the namespace fault tests: several clients in the root namespace,
 * each connected with all server addresses (client i starts at server i mod n, so every server
 * has clients), each looping over a random mix of writes and synced reads under one base path:
 *
 * - `create base/acked/c<i>-<n>`: a unique node per write; every acknowledged one must be on
 *   every server at the end;
 * - setData (blind and conditional), create and delete on a few shared keys, and sync + get,
 *   for the linearizability check.
 *
 * Every operation goes into a HistoryRecorder; every acknowledged write is logged with the time
 * and the server that answered it, and every dropped connection with the server it was on.
 */
import { performance } from 'node:perf_hooks';
import { createClient, type ZooKeeperClient } from '../../src/client/index.js';
import {
  HistoryRecorder,
  type CallHandle,
  type ZnodeInput,
  type ZnodeOutput,
} from './linearizability/index.js';
import type { NetnsEnsemble } from './netns-ensemble.js';
import { runRecorded } from './netns-ops.js';
import { Prng } from './prng.js';
import { sleep } from './server-process.js';

export const SHARED_KEYS = 3;
const SESSION_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 10_000;
const CLOSE_WAIT_MS = 3_000;

export interface Ack {
  at: number;
  clientId: number;
  server: string;
  /** Reply time minus call time. */
  latencyMs: number;
}

export interface Disconnect {
  at: number;
  clientId: number;
  /** The server the client was connected to. */
  server: string;
}

interface Worker {
  id: number;
  client: ZooKeeperClient;
  server: string;
  /** Counts connections, so a read can tell whether its sync and get shared one. */
  epoch: number;
  seq: number;
  versions: Map<string, number>;
}

export const now = (): number => performance.now();

export class WriteLoad {
  readonly recorder = new HistoryRecorder<ZnodeInput, ZnodeOutput>(now);
  readonly acks: Ack[] = [];
  readonly disconnects: Disconnect[] = [];
  readonly ackedCreates: string[] = [];
  private readonly workers: Worker[] = [];
  private loops: Promise<void>[] = [];
  private stopping = false;
  private readonly prng: Prng;

  constructor(
    private readonly ensemble: NetnsEnsemble,
    readonly base: string,
    private readonly clients: number,
    readonly seed: number,
  ) {
    this.prng = new Prng(seed);
  }

  key(index: number): string {
    return `${this.base}/k${index}`;
  }

  /** Creates the base nodes, connects every client and starts their loops. */
  async start(): Promise<void> {
    const setup = await createClient(this.ensemble.connectString(), {
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
    }).connect();
    try {
      await setup.create(this.base);
      await setup.create(`${this.base}/acked`);
    } finally {
      await setup.close();
    }
    for (let id = 1; id <= this.clients; id++) this.workers.push(await this.connectWorker(id));
    this.loops = this.workers.map((w) => this.loop(w));
  }

  private async connectWorker(id: number, seq = 0): Promise<Worker> {
    const first = ((id - 1) % this.ensemble.ids.length) + 1;
    const client = createClient(this.ensemble.connectString(first), {
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      shuffleHosts: false,
      reconnectDelayMs: { initial: 50, max: 500 },
    });
    const worker: Worker = { id, client, server: '', epoch: 0, seq, versions: new Map() };
    client.on('connected', () => {
      worker.server = client.server ?? '';
      worker.epoch++;
    });
    client.on('disconnected', () => {
      this.disconnects.push({ at: now(), clientId: id, server: worker.server });
    });
    await client.connect();
    return worker;
  }

  private async loop(worker: Worker): Promise<void> {
    let current = worker;
    while (!this.stopping) {
      if (current.client.state === 'expired' || current.client.state === 'closed') {
        await current.client.close().catch(() => undefined);
        current = await this.reconnect(current);
        continue;
      }
      await this.step(current);
      await sleep(this.prng.range(5, 25));
    }
  }

  /** A client whose session expired is replaced (same id: its operations stay sequential). */
  private async reconnect(old: Worker): Promise<Worker> {
    while (!this.stopping) {
      try {
        const fresh = await this.connectWorker(old.id, old.seq);
        this.workers[old.id - 1] = fresh;
        return fresh;
      } catch {
        await sleep(200);
      }
    }
    return old;
  }

  private nextInput(worker: Worker): ZnodeInput {
    const value = `c${worker.id}-${++worker.seq}`;
    const path = this.key(this.prng.int(SHARED_KEYS));
    const roll = this.prng.int(100);
    if (roll < 35) return { kind: 'create', path: `${this.base}/acked/${value}`, data: value };
    if (roll < 60) return { kind: 'setData', path, data: value, expectedVersion: -1 };
    if (roll < 70) {
      const expectedVersion = worker.versions.get(path) ?? -1;
      return { kind: 'setData', path, data: value, expectedVersion };
    }
    if (roll < 80) return { kind: 'create', path, data: value };
    if (roll < 85) return { kind: 'delete', path, expectedVersion: -1 };
    return { kind: 'get', path };
  }

  private async step(worker: Worker): Promise<void> {
    const input = this.nextInput(worker);
    const epoch = worker.epoch;
    const call = now();
    const handle: CallHandle<ZnodeOutput> = this.recorder.invoke(worker.id, input);
    const outcome = await runRecorded(worker.client, input, handle, () => worker.epoch === epoch);
    if (outcome.settled !== 'ok') return;
    const output = outcome.output;
    if (output.code === 'ok' && output.version !== undefined) {
      worker.versions.set(input.path, output.version);
    }
    if (input.kind === 'get' || output.code !== 'ok') return;
    const at = now();
    this.acks.push({ at, clientId: worker.id, server: worker.server, latencyMs: at - call });
    if (input.kind === 'create' && input.path.startsWith(`${this.base}/acked/`)) {
      this.ackedCreates.push(input.path);
    }
  }

  /** Stops the loops (each finishes its current operation) and closes the clients. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    await Promise.all(
      this.workers.map((w) =>
        Promise.race([w.client.close().catch(() => undefined), sleep(CLOSE_WAIT_MS)]),
      ),
    );
  }

  /** The clients connected to `server` (host:port) right now. */
  clientsOn(server: string): number[] {
    return this.workers.filter((w) => w.server === server).map((w) => w.id);
  }

  acksBetween(from: number, to: number): Ack[] {
    return this.acks.filter((a) => a.at >= from && a.at <= to);
  }

  /** The longest time in [from, to] with no acknowledged write. */
  longestStall(from: number, to: number): { ms: number; at: number } {
    let last = from;
    let worst = { ms: 0, at: from };
    for (const at of this.acksBetween(from, to)
      .map((a) => a.at)
      .concat(to)) {
      if (at - last > worst.ms) worst = { ms: at - last, at: last };
      last = at;
    }
    return worst;
  }
}

/** The median of some numbers (0 when there are none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
