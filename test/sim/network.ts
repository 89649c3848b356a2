/**
 * A seeded simulated network between consensus hosts: every message may be dropped,
 * duplicated and delayed (so reordered), and partitions cut links in one or both directions.
 * A partition is checked both when a message is sent and when it would arrive. Generic over
 * what it carries (anything with `from` and `to`), so the ensemble simulation can send its
 * forwarded writes through the same faults as Raft's messages.
 */
import type { Message } from '../../src/consensus/messages.js';
import type { NodeId } from '../../src/consensus/types.js';
import type { Prng } from '../support/prng.js';

export interface NetworkOptions {
  readonly dropRate: number;
  readonly duplicateRate: number;
  readonly delayMinTicks: number;
  readonly delayMaxTicks: number;
}

/** Anything addressed from one server to another. */
export interface Routed {
  readonly from: NodeId;
  readonly to: NodeId;
}

interface InFlight<M> {
  readonly deliverAt: number;
  readonly message: M;
}

/** Caps the simulated wire; far above what a healthy run holds. */
const inFlightMax = 100_000;

export class SimNetwork<M extends Routed = Message> {
  private readonly inFlight: InFlight<M>[] = [];
  /** Cut directed links: for each sender, the receivers it cannot reach. */
  private readonly cut = new Map<NodeId, Set<NodeId>>();
  options: NetworkOptions;
  /** Messages that must never be duplicated (those a real server sends over one TCP stream). */
  neverDuplicate: (message: M) => boolean = () => false;
  sent = 0;
  dropped = 0;

  constructor(
    private readonly prng: Prng,
    options: NetworkOptions,
  ) {
    this.options = options;
  }

  get size(): number {
    return this.inFlight.length;
  }

  linked(from: NodeId, to: NodeId): boolean {
    return this.cut.get(from)?.has(to) !== true;
  }

  send(message: M, now: number): void {
    this.sent++;
    if (!this.linked(message.from, message.to) || this.prng.chance(this.options.dropRate)) {
      this.dropped++;
      return;
    }
    const duplicate = this.prng.chance(this.options.duplicateRate);
    const copies = duplicate && !this.neverDuplicate(message) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const { delayMinTicks, delayMaxTicks } = this.options;
      const deliverAt = now + this.prng.range(delayMinTicks, delayMaxTicks);
      if (this.inFlight.length >= inFlightMax) throw new Error('sim: network queue overflow');
      this.inFlight.push({ deliverAt, message });
    }
  }

  /** Messages due by `now`, in random order; those that hit a cut link are dropped. */
  due(now: number): { delivered: M[]; lost: M[] } {
    const ready: M[] = [];
    const inFlight = this.inFlight;
    let kept = 0;
    for (const item of inFlight) {
      if (item.deliverAt <= now) ready.push(item.message);
      else inFlight[kept++] = item;
    }
    inFlight.length = kept;
    for (let i = ready.length - 1; i > 0; i--) {
      const j = this.prng.int(i + 1);
      const a = ready[i] as M;
      ready[i] = ready[j] as M;
      ready[j] = a;
    }
    const delivered: M[] = [];
    const lost: M[] = [];
    for (const m of ready) (this.linked(m.from, m.to) ? delivered : lost).push(m);
    return { delivered, lost };
  }

  heal(): void {
    this.cut.clear();
  }

  /** Splits `ids` into groups that cannot talk to each other (symmetric). */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.cut.clear();
    for (const a of groups) {
      for (const b of groups) {
        if (a === b) continue;
        for (const from of a) for (const to of b) this.cutOneWay(from, to);
      }
    }
  }

  /** Cuts one direction only (asymmetric partition). */
  cutOneWay(from: NodeId, to: NodeId): void {
    let receivers = this.cut.get(from);
    if (receivers === undefined) {
      receivers = new Set();
      this.cut.set(from, receivers);
    }
    receivers.add(to);
  }
}
