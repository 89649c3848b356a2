/**
 * The queue recipe (DistributedQueue) under faults: producers offer unique items, consumers
 * take them. Checked: no item is delivered twice, none is delivered that was never offered,
 * and after the heal every acknowledged offer was delivered, is still queued, or sits in a
 * claim node (a consumer that lost its session between the move and the delete leaves it
 * there, by the recipe's design: not lost).
 */
import { performance } from 'node:perf_hooks';
import type { ZooKeeperClient } from '../../../src/client/index.js';
import { DistributedQueue, QUEUE_CLAIMS } from '../../../src/recipes/index.js';
import type { NetnsEnsemble } from '../../support/netns-ensemble.js';
import { sleep } from '../../support/server-process.js';
import {
  campaignClient,
  ClientSlot,
  closeQuietly,
  connectWithin,
  type Workload,
  type WorkloadReport,
} from '../workload.js';

const PRODUCERS = 2;
const CONSUMERS = 2;
const SESSION_TIMEOUT_MS = 10_000;
const PRODUCE_PAUSE_MS = 30;
const TAKE_TIMEOUT_MS = 2_000;
/** Items left in the queue after the heal that the check takes out, at most. */
const DRAIN_MAX = 50_000;
/** Events kept per item. */
const TRAIL_MAX = 6;

export class QueueWorkload implements Workload {
  readonly name = 'queue';
  private readonly offered = new Set<string>();
  /** Offers whose outcome is unknown: they may be delivered, never twice. */
  private readonly maybeOffered = new Set<string>();
  private readonly delivered = new Map<string, number>();
  /** What happened to each item, for the report of a duplicate (bounded by the items). */
  private readonly trail = new Map<string, string[]>();
  private readonly duplicates: string[] = [];
  private operations = 0;
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly slots: ClientSlot[] = [];

  constructor(
    private readonly ensemble: NetnsEnsemble,
    private readonly base: string,
  ) {}

  private get path(): string {
    return `${this.base}/queue`;
  }

  start(): Promise<void> {
    for (let i = 0; i < PRODUCERS + CONSUMERS; i++) {
      const first = ((i + 2) % this.ensemble.ids.length) + 1;
      const make = () => campaignClient(this.ensemble, first, SESSION_TIMEOUT_MS);
      this.slots.push(new ClientSlot(make, () => this.stopping));
    }
    this.loops = this.slots.map((slot, i) =>
      i < PRODUCERS ? this.produce(slot, i) : this.consume(slot),
    );
    return Promise.resolve();
  }

  private queueOf(client: ZooKeeperClient, cache: Map<ZooKeeperClient, DistributedQueue>) {
    let queue = cache.get(client);
    if (queue === undefined) {
      cache.clear();
      queue = new DistributedQueue(client, this.path);
      cache.set(client, queue);
    }
    return queue;
  }

  private async produce(slot: ClientSlot, id: number): Promise<void> {
    const cache = new Map<ZooKeeperClient, DistributedQueue>();
    for (let n = 0; !this.stopping; n++) {
      const client = await slot.get();
      if (client === undefined) return;
      const item = `p${id}-${n}`;
      this.operations++;
      this.maybeOffered.add(item);
      const from = performance.now();
      const via = client.server ?? '?';
      try {
        const path = await this.queueOf(client, cache).offer(item);
        this.maybeOffered.delete(item);
        this.offered.add(item);
        this.note(item, `offered ${path} ${this.span(from)} via ${via}`);
      } catch (error) {
        // Unknown: the protected create may or may not have run.
        this.note(item, `offer failed ${this.span(from)} via ${via}: ${String(error)}`);
      }
      await sleep(PRODUCE_PAUSE_MS);
    }
  }

  private async consume(slot: ClientSlot): Promise<void> {
    const cache = new Map<ZooKeeperClient, DistributedQueue>();
    while (!this.stopping) {
      const client = await slot.get();
      if (client === undefined) return;
      this.operations++;
      const from = performance.now();
      try {
        const item = await this.queueOf(client, cache).take({ timeoutMs: TAKE_TIMEOUT_MS });
        this.deliver(item.toString('utf8'), `taken ${this.span(from)} via ${client.server ?? '?'}`);
      } catch {
        await sleep(50);
      }
    }
  }

  private span(from: number): string {
    return `${Math.round(from)}..${Math.round(performance.now())} ms`;
  }

  private note(item: string, what: string): void {
    const list = this.trail.get(item) ?? [];
    if (list.length < TRAIL_MAX) list.push(what);
    this.trail.set(item, list);
  }

  private deliver(item: string, how: string): void {
    this.note(item, how);
    const count = (this.delivered.get(item) ?? 0) + 1;
    this.delivered.set(item, count);
    if (count === 2) this.duplicates.push(item);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    await Promise.all(this.slots.map((s) => s.close()));
  }

  async check(): Promise<WorkloadReport> {
    const make = () => campaignClient(this.ensemble, 1, SESSION_TIMEOUT_MS);
    const client = await connectWithin(make, 30_000);
    const claimed = new Set<string>();
    try {
      await client.sync(this.path);
      const queue = new DistributedQueue(client, this.path);
      for (let i = 0; i < DRAIN_MAX; i++) {
        const item = await queue.poll();
        if (item === null) break;
        this.deliver(item.toString('utf8'), 'still queued after the heal');
      }
      const claims = `${this.path}/${QUEUE_CLAIMS}`;
      for (const name of await client.getChildren(claims)) {
        const { data } = await client.getData(`${claims}/${name}`);
        claimed.add(data?.toString('utf8') ?? '');
      }
    } finally {
      await closeQuietly(client);
    }
    const violations = this.duplicates.map(
      (item) => `item ${item} delivered twice: ${(this.trail.get(item) ?? []).join('; ')}`,
    );
    for (const item of this.delivered.keys()) {
      if (!this.offered.has(item) && !this.maybeOffered.has(item)) {
        violations.push(`item ${item} delivered but never offered`);
      }
    }
    const lost = [...this.offered].filter((i) => !this.delivered.has(i) && !claimed.has(i));
    for (const item of lost.slice(0, 5)) violations.push(`acknowledged item ${item} was lost`);
    if (lost.length > 5) violations.push(`... ${lost.length} acknowledged items lost`);
    return { operations: this.operations, violations };
  }

  dump(): unknown {
    return {
      offered: this.offered.size,
      maybeOffered: [...this.maybeOffered].slice(0, 200),
      duplicates: this.duplicates.slice(0, 200).map((i) => [i, this.trail.get(i)]),
    };
  }
}
