/**
 * One deterministic run of a consensus ensemble, each server the member's own Ready loop and
 * durable log on a simulated disk (raft-host.ts): the seed picks every knob (cluster size,
 * learner, timeouts, pre-vote and check-quorum, network faults, fault rates), then a safety
 * phase under faults is followed by a liveness phase on a healed network that must elect a
 * leader and apply a final write everywhere within a tick budget. Unlike the member
 * simulation, whose links are TCP streams, this network drops, duplicates and reorders any
 * message: the core must stay safe under all of that. Checkers run after every event.
 */
import type { ConfChange, Message, NodeId } from '../../src/consensus/index.js';
import { Prng } from '../support/prng.js';
import type { HostOptions } from '../unit/consensus/host.js';
import { AppliedPrefix, CommittedLog, ElectionSafety, SafetyViolation } from './checkers.js';
import { SimWorld } from './member/world.js';
import { SimNetwork, type NetworkOptions } from './network.js';
import { RaftHost } from './raft-host.js';

/** Virtual milliseconds per simulation tick (a Raft tick, a network step). */
const tickMs = 10;

export interface SimOptions {
  readonly voters: number;
  readonly spareIsLearner: boolean;
  readonly host: HostOptions;
  readonly network: NetworkOptions;
  readonly tickRates: readonly number[];
  readonly proposeRate: number;
  readonly partitionRate: number;
  readonly restartRate: number;
  /** Per tick (times 20), the chance of a crash that tears what was not yet synced. */
  readonly crashRate: number;
  readonly compactRate: number;
  readonly membershipRate: number;
  readonly transferRate: number;
  readonly safetyTicks: number;
  readonly livenessTicks: number;
}

export interface SimResult {
  readonly options: SimOptions;
  readonly terms: number;
  readonly committed: number;
  readonly applied: number;
  readonly messages: number;
  /** What the run exercised: deliveries per message type, and injected events. */
  readonly counts: ReadonlyMap<string, number>;
}

export function pickOptions(prng: Prng, seed: number): SimOptions {
  const voters = prng.pick([3, 3, 5]);
  const heartbeatTicks = prng.range(1, 3);
  return {
    voters,
    spareIsLearner: prng.chance(0.5),
    host: {
      seed,
      electionTicks: 10,
      heartbeatTicks,
      preVote: prng.chance(0.75),
      checkQuorum: prng.chance(0.75),
      inflightMessagesMax: prng.pick([1, 4, 256]),
      appendBytesMax: prng.pick([64, 1024, 1 << 20]),
    },
    network: {
      dropRate: prng.next() * 0.2,
      duplicateRate: prng.next() * 0.1,
      delayMinTicks: 0,
      delayMaxTicks: prng.range(1, 6),
    },
    tickRates: Array.from({ length: voters + 1 }, () => 0.6 + 0.4 * prng.next()),
    proposeRate: prng.next() * 0.5,
    partitionRate: prng.next() * 0.02,
    restartRate: prng.next() * 0.005,
    crashRate: prng.next() * 0.002,
    compactRate: prng.next() * 0.02,
    membershipRate: prng.next() * 0.005,
    transferRate: prng.next() * 0.003,
    safetyTicks: 600,
    livenessTicks: 2000,
  };
}

export class Simulation {
  readonly prng: Prng;
  readonly options: SimOptions;
  readonly hosts: RaftHost[] = [];
  readonly network: SimNetwork;
  readonly world = new SimWorld();
  private readonly checkers = {
    election: new ElectionSafety(),
    committed: new CommittedLog(),
    applied: new AppliedPrefix(),
  };
  private proposals = 0;
  private faulty = true;
  private final: string | null = null;
  private violation: Error | null = null;
  private readonly counts = new Map<string, number>();

  constructor(readonly seed: number) {
    this.prng = new Prng(seed);
    this.options = pickOptions(this.prng, seed);
    const voters = Array.from({ length: this.options.voters }, (_, i) => i + 1);
    const spare = this.options.voters + 1;
    const membership = { voters, learners: this.options.spareIsLearner ? [spare] : [] };
    const links = {
      send: (message: Message) => this.send(message),
      count: (what: string) => this.count(what),
      violated: (error: Error) => {
        this.violation ??= error;
      },
    };
    for (const id of [...voters, spare]) {
      this.hosts.push(
        new RaftHost(id, membership, this.options.host, this.world, this.prng.fork(), links),
      );
    }
    this.network = new SimNetwork(this.prng.fork(), this.options.network);
  }

  get tick(): number {
    return Math.floor(this.world.now / tickMs);
  }

  async run(): Promise<SimResult> {
    for (const host of this.hosts) this.start(host);
    this.world.after(tickMs, () => this.stepWorld());
    const safetyMs = this.options.safetyTicks * tickMs;
    await this.world.runUntil(safetyMs, () => this.afterEvent());
    this.throwIfViolated();
    this.faulty = false;
    this.network.heal();
    this.network.options = { ...this.options.network, dropRate: 0, duplicateRate: 0 };
    for (const host of this.hosts) this.start(host);
    this.final = `final-${this.seed}`;
    const end = safetyMs + this.options.livenessTicks * tickMs;
    await this.world.runUntil(end, () => this.afterEvent() || this.finalEverywhere());
    this.throwIfViolated();
    if (!this.finalEverywhere()) {
      throw new SafetyViolation(`liveness: final write not applied everywhere by ${end} ms`);
    }
    return {
      options: this.options,
      terms: this.checkers.election.terms,
      committed: this.checkers.committed.committedMax,
      applied: this.checkers.applied.length,
      messages: this.network.sent,
      counts: this.counts,
    };
  }

  private start(host: RaftHost): void {
    host.start().catch((error: unknown) => {
      this.violation ??= error instanceof Error ? error : new Error(String(error));
    });
  }

  private throwIfViolated(): void {
    if (this.violation !== null) throw this.violation;
  }

  /** After each event: the checkers (a violation ends the run). */
  private afterEvent(): boolean {
    try {
      this.checkAll();
    } catch (error) {
      this.violation ??= error instanceof Error ? error : new Error(String(error));
    }
    return this.violation !== null;
  }

  private finalEverywhere(): boolean {
    const final = this.final;
    return final !== null && this.members().every((h) => h.up && h.hasApplied(final));
  }

  /** Every tick: deliveries due, each server's clock (at its own uneven rate), faults. */
  private stepWorld(): void {
    const { delivered, lost } = this.network.due(this.tick);
    for (const message of lost) this.lost(message);
    for (const message of delivered) this.deliver(message);
    this.hosts.forEach((host, i) => {
      if (!host.up || !this.prng.chance(this.options.tickRates[i] ?? 1)) return;
      host.input((node) => node.tick());
    });
    if (this.faulty) this.injectFaults();
    else this.proposeFinal();
    this.world.after(tickMs, () => this.stepWorld());
  }

  /** Like a client, re-sends the final write when it was lost with a deposed leader. */
  private proposeFinal(): void {
    const retryTicks = 4 * this.options.host.electionTicks;
    const final = this.final;
    if (final === null || this.tick % retryTicks !== 0) return;
    const leader = this.leader();
    leader?.input((node) => void node.propose(Buffer.from(final)), false);
  }

  private injectFaults(): void {
    const o = this.options;
    const p = this.prng;
    if (p.chance(o.proposeRate)) this.propose();
    if (p.chance(o.partitionRate)) this.repartition();
    if (p.chance(o.restartRate)) this.restart(p.pick(this.hosts));
    if (p.chance(o.crashRate * 20)) this.restart(p.pick(this.hosts));
    if (p.chance(o.compactRate)) p.pick(this.hosts).snapshot();
    if (p.chance(o.membershipRate)) this.changeMembership();
    if (p.chance(o.transferRate)) this.transfer();
  }

  private deliver(message: Message): void {
    const host = this.hosts.find((h) => h.id === message.to);
    if (host === undefined || !host.up) return this.lost(message);
    this.count(message.type);
    host.input((node) => node.step(message));
    if (message.type === 'snapshot') this.reportSnapshot(message.from, message.to, true);
  }

  private lost(message: Message): void {
    if (message.type === 'snapshot') this.reportSnapshot(message.from, message.to, false);
  }

  /** The sending transport learns whether its snapshot stream got through. */
  private reportSnapshot(from: NodeId, to: NodeId, delivered: boolean): void {
    this.hosts.find((h) => h.id === from)?.input((node) => node.reportSnapshot(to, delivered));
  }

  private send(message: Message): void {
    const before = this.network.dropped;
    this.network.send(message, this.tick);
    if (this.network.dropped > before) this.lost(message);
  }

  private count(what: string): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
  }

  /** The hosts up at the last check, rewritten in place: the checks run after every event. */
  private readonly upNow: RaftHost[] = [];

  private checkAll(): void {
    const up = this.upNow;
    let count = 0;
    for (const host of this.hosts) if (host.up) up[count++] = host;
    if (up.length !== count) up.length = count;
    this.checkers.election.check(up);
    this.checkers.committed.check(up);
    this.checkers.applied.check(up);
  }

  private propose(): void {
    const data = Buffer.from(`w${this.seed}-${this.proposals++}`);
    this.leader()?.input((node) => void node.propose(data), false);
  }

  private repartition(): void {
    const ids = this.hosts.map((h) => h.id);
    switch (this.prng.int(4)) {
      case 0:
        this.network.heal();
        return;
      case 1: {
        const alone = this.prng.pick(ids);
        this.network.partition([[alone], ids.filter((id) => id !== alone)]);
        return;
      }
      case 2: {
        const half = ids.filter(() => this.prng.chance(0.5));
        this.network.partition([half, ids.filter((id) => !half.includes(id))]);
        return;
      }
      default:
        this.network.cutOneWay(this.prng.pick(ids), this.prng.pick(ids));
    }
  }

  /** A crash (torn unsynced writes) and a restart from the disk, a little later. */
  private restart(host: RaftHost): void {
    if (!host.up) return;
    this.count('restart');
    host.kill();
    this.world.after(this.prng.range(0, 50) * tickMs, () => this.start(host));
  }

  /** Cycles the spare server: absent → learner → voter → removed, one change at a time. */
  private changeMembership(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    const spare = this.options.voters + 1;
    const { voters, learners } = leader.status().membership;
    let change: ConfChange = { type: 'addLearner', nodeId: spare };
    if (learners.includes(spare)) change = { type: 'addVoter', nodeId: spare };
    if (voters.includes(spare)) change = { type: 'removeNode', nodeId: spare };
    if (this.prng.chance(0.2)) change = { type: 'removeNode', nodeId: this.prng.pick(voters) };
    leader.input((node) => {
      if (node.proposeConfChange(change).ok) this.count('confChange');
    }, false);
  }

  private transfer(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    const target = this.prng.pick(leader.status().membership.voters);
    leader.input((node) => {
      if (node.transferLeadership(target) === undefined) this.count('transfer');
    }, false);
  }

  /** The leader of the highest term, if any server leads. */
  private leader(): RaftHost | undefined {
    let best: RaftHost | undefined;
    for (const host of this.hosts) {
      if (!host.up || host.node.role() !== 'leader') continue;
      if (best === undefined || host.node.term() > best.node.term()) best = host;
    }
    return best;
  }

  /** Servers in the current leader's membership (all of them when there is no leader). */
  private members(): RaftHost[] {
    const leader = this.leader();
    if (leader === undefined) return this.hosts;
    const { voters, learners } = leader.node.membership();
    return this.hosts.filter((h) => voters.includes(h.id) || learners.includes(h.id));
  }
}
