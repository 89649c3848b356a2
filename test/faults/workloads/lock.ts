/**
 * The lock recipe under faults: contenders acquire, hold briefly, release. A holding ends
 * when release() is called or when the grant's signal aborts (the recipe aborts it as soon
 * as the lock may be lost: connection dropped, session expired). Checked: no two holdings
 * overlap (two holders with live sessions), and fencing tokens rise in grant order.
 */
import { performance } from 'node:perf_hooks';
import { Lock, type LockGrant } from '../../../src/recipes/index.js';
import type { NetnsEnsemble } from '../../support/netns-ensemble.js';
import { Prng } from '../../support/prng.js';
import { sleep } from '../../support/server-process.js';
import { campaignClient, ClientSlot, type Workload, type WorkloadReport } from '../workload.js';

const CONTENDERS = 3;
const SESSION_TIMEOUT_MS = 6_000;
const ACQUIRE_TIMEOUT_MS = 3_000;
/** Holdings kept for the check; a campaign scenario has a few hundred at most. */
const HOLDINGS_MAX = 20_000;

interface Holding {
  contender: number;
  token: number;
  from: number;
  /** Infinity while still held. */
  to: number;
  ended: 'released' | 'lost' | 'held';
}

export class LockWorkload implements Workload {
  readonly name = 'lock';
  private readonly holdings: Holding[] = [];
  private operations = 0;
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly slots: ClientSlot[] = [];

  constructor(
    private readonly ensemble: NetnsEnsemble,
    private readonly base: string,
    private readonly seed: number,
  ) {}

  start(): Promise<void> {
    for (let i = 0; i < CONTENDERS; i++) {
      const first = ((i + 1) % this.ensemble.ids.length) + 1;
      const make = () => campaignClient(this.ensemble, first, SESSION_TIMEOUT_MS);
      this.slots.push(new ClientSlot(make, () => this.stopping));
    }
    this.loops = this.slots.map((slot, i) => this.contend(slot, i, new Prng(this.seed + i)));
    return Promise.resolve();
  }

  private async contend(slot: ClientSlot, id: number, prng: Prng): Promise<void> {
    let lock: Lock | undefined;
    while (!this.stopping) {
      const client = await slot.get();
      if (client === undefined) return;
      if (lock?.client !== client) lock = new Lock(client, `${this.base}/lock`);
      this.operations++;
      let grant: LockGrant;
      try {
        grant = await lock.acquire({ timeoutMs: ACQUIRE_TIMEOUT_MS });
      } catch {
        await sleep(prng.range(10, 100));
        continue;
      }
      const holding = this.record(id, grant);
      await sleep(prng.range(10, 80));
      if (holding.ended === 'held') {
        holding.to = performance.now();
        holding.ended = 'released';
      }
      await lock.release().catch(() => undefined);
      await sleep(prng.range(0, 40));
    }
  }

  private record(contender: number, grant: LockGrant): Holding {
    const holding: Holding = {
      contender,
      token: grant.fencingToken,
      from: performance.now(),
      to: Infinity,
      ended: 'held',
    };
    const onLost = (): void => {
      if (holding.ended !== 'held') return;
      holding.to = performance.now();
      holding.ended = 'lost';
    };
    if (grant.signal.aborted) onLost();
    else grant.signal.addEventListener('abort', onLost, { once: true });
    if (this.holdings.length < HOLDINGS_MAX) this.holdings.push(holding);
    return holding;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    await Promise.all(this.slots.map((s) => s.close()));
  }

  check(): Promise<WorkloadReport> {
    const violations: string[] = [];
    const sorted = [...this.holdings].sort((a, b) => a.from - b.from);
    let latest: Holding | undefined;
    let previous: Holding | undefined;
    for (const h of sorted) {
      if (latest !== undefined && h.from < latest.to) {
        violations.push(
          `contender ${h.contender} got the lock (token ${h.token}) ` +
            `${Math.round(latest.to - h.from)} ms before contender ${latest.contender}'s ` +
            `holding (token ${latest.token}) ended (${latest.ended})`,
        );
      }
      if (previous !== undefined && h.token <= previous.token) {
        violations.push(`fencing token ${h.token} granted after ${previous.token}: not rising`);
      }
      previous = h;
      if (latest === undefined || h.to > latest.to) latest = h;
    }
    return Promise.resolve({ operations: this.operations, violations: violations.slice(0, 20) });
  }

  dump(): unknown {
    return this.holdings
      .slice(-300)
      .map((h) => ({ ...h, to: Number.isFinite(h.to) ? h.to : null }));
  }
}
