/**
 * Unique sequential creates: a few clients create persistent-sequential children of one
 * parent, each with data naming the create. Checked: no two acknowledged creates got the
 * same sequence number, and after the heal every acknowledged one is there holding its own
 * data (a sample is read back, so the check stays bounded).
 */
import { sequenceOf } from '../../../src/recipes/index.js';
import type { NetnsEnsemble } from '../../support/netns-ensemble.js';
import { sleep } from '../../support/server-process.js';
import {
  bounded,
  campaignClient,
  ClientSlot,
  closeQuietly,
  connectWithin,
  type Workload,
  type WorkloadReport,
} from '../workload.js';

const CLIENTS = 2;
const SESSION_TIMEOUT_MS = 10_000;
const PAUSE_MS = 15;
const READ_BACK_MAX = 150;
const NAME = 'seq-';

interface Acked {
  path: string;
  data: string;
}

export class SequentialWorkload implements Workload {
  readonly name = 'sequential';
  private readonly acked: Acked[] = [];
  private operations = 0;
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly slots: ClientSlot[] = [];

  constructor(
    private readonly ensemble: NetnsEnsemble,
    private readonly base: string,
  ) {}

  private get parent(): string {
    return `${this.base}/seq`;
  }

  async start(): Promise<void> {
    for (let i = 0; i < CLIENTS; i++) {
      const first = (i % this.ensemble.ids.length) + 1;
      const make = () => campaignClient(this.ensemble, first, SESSION_TIMEOUT_MS);
      this.slots.push(new ClientSlot(make, () => this.stopping));
    }
    const setup = await this.slots[0]?.get();
    await setup?.create(this.parent);
    this.loops = this.slots.map((slot, i) => this.loop(slot, i));
  }

  private async loop(slot: ClientSlot, id: number): Promise<void> {
    for (let n = 0; !this.stopping; n++) {
      const client = await slot.get();
      if (client === undefined) return;
      const data = `w${id}-${n}`;
      this.operations++;
      try {
        const path = await client.create(`${this.parent}/${NAME}`, {
          mode: 'persistentSequential',
          data,
        });
        this.acked.push({ path, data });
      } catch {
        // Outcome unknown: the node may exist; only acknowledged creates are checked.
      }
      await sleep(PAUSE_MS);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    await Promise.all(this.slots.map((s) => s.close()));
  }

  async check(): Promise<WorkloadReport> {
    const violations: string[] = [];
    const bySequence = new Map<number, Acked>();
    for (const ack of this.acked) {
      const sequence = sequenceOf(ack.path);
      const earlier = bySequence.get(sequence);
      if (earlier !== undefined) {
        violations.push(`sequence ${sequence} acknowledged twice: ${earlier.data} and ${ack.data}`);
      }
      bySequence.set(sequence, ack);
    }
    const make = () => campaignClient(this.ensemble, 1, SESSION_TIMEOUT_MS);
    const reader = await connectWithin(make, 30_000);
    try {
      await reader.sync(this.parent);
      const present = new Set(await reader.getChildren(this.parent));
      const missing = this.acked.filter((a) => !present.has(a.path.slice(this.parent.length + 1)));
      for (const m of missing.slice(0, 5)) violations.push(`acknowledged ${m.path} is missing`);
      if (missing.length > 5) violations.push(`... ${missing.length} acknowledged creates missing`);
      // A sample, so a long run does not read thousands of nodes back.
      const step = Math.max(1, Math.floor(this.acked.length / READ_BACK_MAX));
      for (let i = 0; i < this.acked.length; i += step) {
        const ack = this.acked[i];
        if (ack === undefined || !present.has(ack.path.slice(this.parent.length + 1))) continue;
        const { data } = await reader.getData(ack.path);
        const held = data?.toString('utf8') ?? '';
        if (held !== ack.data) violations.push(`${ack.path} holds ${held}, acked for ${ack.data}`);
      }
    } finally {
      await closeQuietly(reader);
    }
    return { operations: this.operations, violations };
  }

  dump(): unknown {
    return bounded(this.acked, 500);
  }
}
