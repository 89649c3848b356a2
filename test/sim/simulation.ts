/**
 * One deterministic run of a consensus ensemble: the seed picks every knob (cluster size,
 * learner, timeouts, pre-vote and check-quorum, network faults, fault rates), then a safety
 * phase under faults is followed by a liveness phase on a healed network that must elect a
 * leader and apply a final write everywhere within a tick budget. Checkers run after every
 * step; any violation throws.
 */
import type { ConfChange } from '../../src/consensus/config-change.js';
import type { Message } from '../../src/consensus/messages.js';
import type { NodeId } from '../../src/consensus/types.js';
import { Prng } from '../support/prng.js';
import { Host, type HostOptions } from '../unit/consensus/host.js';
import { AppliedPrefix, CommittedLog, ElectionSafety, SafetyViolation } from './checkers.js';
import { SimNetwork, type NetworkOptions } from './network.js';

export interface SimOptions {
  readonly voters: number;
  readonly spareIsLearner: boolean;
  readonly host: HostOptions;
  readonly network: NetworkOptions;
  readonly tickRates: readonly number[];
  readonly proposeRate: number;
  readonly partitionRate: number;
  readonly restartRate: number;
  /** Per Ready, the chance of a crash that loses it unpersisted. */
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
  readonly hosts: Host[] = [];
  readonly network: SimNetwork;
  private readonly checkers = {
    election: new ElectionSafety(),
    committed: new CommittedLog(),
    applied: new AppliedPrefix(),
  };
  private now = 0;
  private proposals = 0;
  private faulty = true;
  private readonly counts = new Map<string, number>();

  constructor(readonly seed: number) {
    this.prng = new Prng(seed);
    this.options = pickOptions(this.prng, seed);
    const voters = Array.from({ length: this.options.voters }, (_, i) => i + 1);
    const spare = this.options.voters + 1;
    const membership = { voters, learners: this.options.spareIsLearner ? [spare] : [] };
    for (const id of [...voters, spare]) {
      this.hosts.push(new Host(id, membership, this.options.host));
    }
    this.network = new SimNetwork(this.prng.fork(), this.options.network);
  }

  run(): SimResult {
    for (; this.now < this.options.safetyTicks; this.now++) this.stepWorld(true);
    this.faulty = false;
    this.network.heal();
    this.network.options = { ...this.options.network, dropRate: 0, duplicateRate: 0 };
    this.awaitFinalWrite();
    return {
      options: this.options,
      terms: this.checkers.election.terms,
      committed: this.checkers.committed.committedMax,
      applied: this.checkers.applied.length,
      messages: this.network.sent,
      counts: this.counts,
    };
  }

  /** Like a client, re-sends the final write when it was lost with a deposed leader. */
  private awaitFinalWrite(): void {
    const end = this.now + this.options.livenessTicks;
    const final = `final-${this.seed}`;
    const retryTicks = 4 * this.options.host.electionTicks;
    let proposedAt = -Infinity;
    for (; this.now < end; this.now++) {
      this.stepWorld(false);
      const leader = this.leader();
      if (leader !== undefined && this.now - proposedAt >= retryTicks) {
        if (leader.node.propose(Buffer.from(final)).ok) proposedAt = this.now;
        this.send(leader.drain());
        this.checkAll();
      }
      if (this.members().every((h) => h.applied.includes(final))) return;
    }
    throw new SafetyViolation(`liveness: final write not applied everywhere by tick ${end}`);
  }

  private stepWorld(faults: boolean): void {
    const { delivered, lost } = this.network.due(this.now);
    for (const message of lost) this.lost(message);
    for (const message of delivered) this.deliver(message);
    this.hosts.forEach((host, i) => {
      if (!this.prng.chance(this.options.tickRates[i] ?? 1)) return;
      host.node.tick();
      this.settle(host);
      this.checkAll();
    });
    if (faults) this.injectFaults();
  }

  private injectFaults(): void {
    const o = this.options;
    const p = this.prng;
    if (p.chance(o.proposeRate)) this.propose();
    if (p.chance(o.partitionRate)) this.repartition();
    if (p.chance(o.restartRate)) this.restart(p.pick(this.hosts));
    if (p.chance(o.compactRate)) {
      this.count('compact');
      p.pick(this.hosts).snapshotAndCompact(p.int(6));
    }
    if (p.chance(o.membershipRate)) this.changeMembership();
    if (p.chance(o.transferRate)) this.transfer();
  }

  private deliver(message: Message): void {
    const host = this.hosts.find((h) => h.id === message.to);
    if (host === undefined) return;
    this.count(message.type);
    host.node.step(message);
    this.settle(host);
    if (message.type === 'snapshot') this.reportSnapshot(message.from, message.to, true);
    this.checkAll();
  }

  /** Does what the host's Readies say, unless the host crashes before persisting one. */
  private settle(host: Host): void {
    if (this.faulty && this.prng.chance(this.options.crashRate)) {
      this.count('crash');
      this.send(host.crashMidReady());
    }
    this.send(host.drain());
  }

  private lost(message: Message): void {
    if (message.type === 'snapshot') this.reportSnapshot(message.from, message.to, false);
  }

  /** The sending transport learns whether its snapshot stream got through. */
  private reportSnapshot(from: NodeId, to: NodeId, delivered: boolean): void {
    const sender = this.hosts.find((h) => h.id === from);
    if (sender === undefined) return;
    sender.node.reportSnapshot(to, delivered);
    this.send(sender.drain());
  }

  private send(messages: readonly Message[]): void {
    for (const message of messages) {
      const before = this.network.dropped;
      this.network.send(message, this.now);
      if (this.network.dropped > before) this.lost(message);
    }
  }

  private count(what: string): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
  }

  private checkAll(): void {
    this.checkers.election.check(this.hosts);
    this.checkers.committed.check(this.hosts);
    this.checkers.applied.check(this.hosts);
  }

  private propose(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    leader.node.propose(Buffer.from(`w${this.seed}-${this.proposals++}`));
    this.settle(leader);
    this.checkAll();
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

  private restart(host: Host): void {
    this.count('restart');
    host.restart();
    this.send(host.drain());
    this.checkAll();
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
    if (leader.node.proposeConfChange(change).ok) this.count('confChange');
    this.send(leader.drain());
    this.checkAll();
  }

  private transfer(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    const target = this.prng.pick(leader.status().membership.voters);
    if (leader.node.transferLeadership(target) === undefined) this.count('transfer');
    this.send(leader.drain());
    this.checkAll();
  }

  /** The leader of the highest term, if any server leads. */
  private leader(): Host | undefined {
    let best: Host | undefined;
    for (const host of this.hosts) {
      if (host.status().role !== 'leader') continue;
      if (best === undefined || host.status().term > best.status().term) best = host;
    }
    return best;
  }

  /** Servers in the current leader's membership (all of them when there is no leader). */
  private members(): Host[] {
    const leader = this.leader();
    if (leader === undefined) return this.hosts;
    const { voters, learners } = leader.status().membership;
    return this.hosts.filter((h) => voters.includes(h.id) || learners.includes(h.id));
  }
}
