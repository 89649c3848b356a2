/**
 * One deterministic run of a whole ensemble: servers (RaftNode + MemoryStorage + Replica)
 * and clients in one process, no timers, every choice drawn from the seed. A safety phase
 * under faults (drops, duplicates, delays, partitions, uneven ticks, crashes with torn
 * writes, restarts from snapshot + log, compaction and snapshot installs) is followed by a
 * liveness phase on a healed network in which every client must complete a linearizable read
 * and every server converge. Election safety is checked after every step, committed-log
 * safety after every tick, trees and applied entries as each server applies; the history,
 * lost-write and final-tree checks run at the end.
 */
import type { NodeId } from '../../../src/consensus/types.js';
import { Prng } from '../../support/prng.js';
import { CommittedLog, ElectionSafety, SafetyViolation } from '../checkers.js';
import { SimNetwork } from '../network.js';
import { SimClient } from './client.js';
import {
  checkConverged,
  checkLinearizable,
  checkNoAckedWriteLost,
  committedRequests,
} from './final-checks.js';
import { SimHistory } from './history.js';
import { pickEnsembleOptions, type EnsembleOptions } from './options.js';
import { repartition } from './partitions.js';
import { EnsembleServer } from './server.js';
import { StateObserver } from './state-checkers.js';
import { isRaftMessage, type Wire } from './wire.js';

export interface EnsembleResult {
  readonly terms: number;
  readonly committed: number;
  readonly opsChecked: number;
  readonly treesCompared: number;
  readonly counts: ReadonlyMap<string, number>;
}

export class EnsembleSimulation {
  readonly prng: Prng;
  readonly options: EnsembleOptions;
  readonly servers: EnsembleServer[] = [];
  readonly clients: SimClient[] = [];
  readonly network: SimNetwork<Wire>;
  readonly history = new SimHistory();
  private readonly observer = new StateObserver();
  private readonly election = new ElectionSafety();
  private readonly committed = new CommittedLog();
  private readonly downUntil = new Map<NodeId, number>();
  private readonly counts = new Map<string, number>();
  private readonly leadersLogged = new Set<string>();
  private readonly verbose: boolean;
  private now = 0;
  private faulty = true;

  constructor(
    readonly seed: number,
    private readonly log: (line: string) => void = () => {},
    verbose = false,
  ) {
    this.verbose = verbose;
    this.prng = new Prng(seed);
    this.options = pickEnsembleOptions(this.prng, seed);
    const voters = Array.from({ length: this.options.servers }, (_, i) => i + 1);
    const clock = (): number => this.now * 10;
    for (const id of voters) {
      const membership = { voters, learners: [] };
      this.servers.push(
        new EnsembleServer(id, membership, this.options.raft, this.observer, clock),
      );
    }
    this.network = new SimNetwork<Wire>(this.prng.fork(), this.options.network);
    // Forwarded writes travel over a TCP stream in a real ensemble: lost, never doubled.
    this.network.neverDuplicate = (wire) => !isRaftMessage(wire);
    for (let i = 0; i < this.options.clients; i++) {
      const server = this.prng.int(this.options.servers);
      this.clients.push(
        new SimClient(i, server, this.options.client, this.history, this.prng.fork()),
      );
    }
  }

  run(): EnsembleResult {
    for (; this.now < this.options.safetyTicks; this.now++) this.stepWorld();
    if (this.verbose) this.log(`tick ${this.now}: healing the network, restarting every server`);
    this.faulty = false;
    this.network.heal();
    this.network.options = { ...this.options.network, dropRate: 0, duplicateRate: 0 };
    for (const server of this.servers) if (!server.up) this.restart(server);
    for (const client of this.clients) client.finishing = true;
    this.awaitConvergence();
    const tree = checkConverged(this.servers);
    checkNoAckedWriteLost(this.history.acked, this.observer.log, tree);
    const unobserved = this.history.dropUnobserved(committedRequests(this.observer.log));
    const ops = this.history.operations();
    checkLinearizable(ops);
    this.count('unknownOutcome', this.history.unknown);
    this.count('unknownNeverCommitted', unobserved);
    for (const client of this.clients) {
      this.count('sessionClosed', client.sessionsClosed);
      this.count('ephemeralCreated', client.ephemeralsCreated);
    }
    return {
      terms: this.election.terms,
      committed: this.committed.committedMax,
      opsChecked: ops.length,
      treesCompared: this.observer.trees.compared,
      counts: this.counts,
    };
  }

  private awaitConvergence(): void {
    const end = this.now + this.options.livenessTicks;
    for (; this.now < end; this.now++) {
      this.stepWorld();
      if (this.clients.every((c) => c.done) && this.converged()) return;
    }
    const pending = this.clients.filter((c) => !c.done).map((c) => c.id);
    const applied = this.servers.map((s) => `${s.id}:${s.replica.applied}/${s.status().commit}`);
    throw new SafetyViolation(
      `liveness: not converged by tick ${end} (clients not done: [${pending.join(',')}], ` +
        `applied/commit: ${applied.join(' ')})`,
    );
  }

  /** A leader whose whole log is committed, and every server has applied all of it. */
  private converged(): boolean {
    const leader = this.servers.find((s) => s.up && s.status().role === 'leader');
    if (leader === undefined) return false;
    const { commit, lastIndex } = leader.status();
    if (commit !== lastIndex) return false;
    return this.servers.every((s) => s.up && s.replica.applied === commit);
  }

  private stepWorld(): void {
    const { delivered, lost } = this.network.due(this.now);
    for (const wire of lost) this.lost(wire);
    for (const wire of delivered) this.deliver(wire);
    this.servers.forEach((server, i) => {
      if (!server.up || !this.prng.chance(this.options.tickRates[i] ?? 1)) return;
      server.node.tick();
      this.settle(server);
    });
    for (const server of this.servers) {
      if (!server.up && (this.downUntil.get(server.id) ?? 0) <= this.now) this.restart(server);
    }
    for (const client of this.clients) {
      client.step(this.now, this.servers);
      this.settleBusy();
    }
    if (this.faulty) this.injectFaults();
    this.checkAll();
  }

  private injectFaults(): void {
    const o = this.options;
    const p = this.prng;
    if (p.chance(o.partitionRate)) {
      const ids = this.servers.map((s) => s.id);
      this.event('partition', repartition(this.network, ids, p));
    }
    if (p.chance(o.restartRate)) {
      const server = p.pick(this.servers);
      if (server.up) {
        this.event('crash', `server ${server.id} between Readies`);
        server.crash();
        this.down(server);
      }
    }
    if (p.chance(o.compactRate)) this.snapshotStep(p.pick(this.servers));
    if (p.chance(o.transferRate)) this.transfer();
  }

  /** A graceful leadership hand-off (rolling restart), with the leader's writes in flight. */
  private transfer(): void {
    const leader = this.servers.find((s) => s.up && s.status().role === 'leader');
    if (leader === undefined) return;
    const target = this.prng.pick(this.servers).id;
    if (leader.node.transferLeadership(target) === undefined) {
      this.event('transfer', `server ${leader.id} hands leadership to ${target}`);
    }
    this.settle(leader);
  }

  private snapshotStep(server: EnsembleServer): void {
    if (!server.up) return;
    if (!server.snapshotting) {
      if (server.beginSnapshot()) {
        this.event('snapshotBegun', `server ${server.id} at ${server.replica.applied}`);
      }
      return;
    }
    if (server.finishSnapshot(this.prng.int(this.options.keepEntriesMax + 1))) {
      this.event('compact', `server ${server.id} from ${server.storage.firstIndex()}`);
    }
  }

  private deliver(wire: Wire): void {
    const server = this.servers[wire.to - 1];
    if (server === undefined || !server.up) {
      this.lost(wire);
      return;
    }
    this.count(wire.type);
    if (wire.type === 'snapshot') {
      this.event('snapshotSent', `${wire.from}->${wire.to} at ${wire.snapshot.meta.index}`);
    }
    server.deliver(wire);
    this.settle(server);
    if (wire.type === 'snapshot') this.reportSnapshot(wire.from, wire.to, true);
  }

  /** Does what the server's Readies say, unless it crashes in the middle of persisting one. */
  private settle(server: EnsembleServer): void {
    if (this.faulty && this.prng.chance(this.options.crashRate)) {
      const torn = server.crashMidReady(this.prng);
      if (torn !== undefined && torn.persistedSteps < torn.steps) {
        const kept = `${torn.persistedSteps} of ${torn.steps} persist steps kept`;
        this.event('tornWrite', `server ${server.id} crashed mid-Ready, ${kept}`);
      } else {
        this.event('crash', `server ${server.id} mid-Ready`);
      }
      this.down(server);
    } else {
      server.drain();
    }
    this.send(server.takeOutbox());
    // Leadership changes only as a server settles: check it right there. The log checks
    // read every server and run once per tick.
    if (!server.up) return;
    this.election.check([server]);
    if (this.verbose) this.logLeadership(server);
  }

  private logLeadership(server: EnsembleServer): void {
    const { role, term } = server.status();
    const key = `${term}/${role}`;
    if (role !== 'leader' || this.leadersLogged.has(key)) return;
    this.leadersLogged.add(key);
    this.log(`tick ${this.now}: server ${server.id} leads term ${term}`);
  }

  /** After a client's request: the leader proposed it, or a follower forwarded it. */
  private settleBusy(): void {
    for (const server of this.servers) {
      if (server.up && (server.node.hasReady() || server.outbox.length > 0)) this.settle(server);
    }
  }

  private down(server: EnsembleServer): void {
    this.downUntil.set(server.id, this.now + this.prng.range(0, this.options.downTicksMax));
  }

  private restart(server: EnsembleServer): void {
    server.restart();
    const { index } = server.storage.snapshot().meta;
    const log = `${server.storage.firstIndex()}..${server.storage.lastIndex()}`;
    this.event('restart', `server ${server.id} from snapshot ${index}, log ${log}`);
    this.settle(server);
  }

  private lost(wire: Wire): void {
    if (isRaftMessage(wire) && wire.type === 'snapshot') {
      this.reportSnapshot(wire.from, wire.to, false);
    }
  }

  /** The sending transport learns whether its snapshot stream got through. */
  private reportSnapshot(from: NodeId, to: NodeId, delivered: boolean): void {
    const sender = this.servers[from - 1];
    if (sender === undefined || !sender.up) return;
    sender.node.reportSnapshot(to, delivered);
    this.settle(sender);
  }

  private send(wires: readonly Wire[]): void {
    for (const wire of wires) {
      const before = this.network.dropped;
      this.network.send(wire, this.now);
      if (this.network.dropped > before) this.lost(wire);
    }
  }

  private checkAll(): void {
    const up = this.servers.filter((s) => s.up);
    this.election.check(up);
    this.committed.check(up);
  }

  /** Counts an injected fault or notable step, and tells it in a verbose run. */
  private event(what: string, detail: string): void {
    this.count(what);
    if (this.verbose) this.log(`tick ${this.now}: ${what}: ${detail}`);
  }

  private count(what: string, n = 1): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + n);
  }
}
