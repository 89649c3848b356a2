/**
 * One deterministic run of the members that ship, all in one process with one seed: three or
 * five members (or one that grows to three by reconfig, and sometimes shrinks back to two),
 * each started by `startMember` on a simulated disk, clock and network, and four clients
 * speaking the ZooKeeper protocol to their real servers. A safety phase under faults (SIGKILL
 * with torn writes, SIGSTOP, partitions, silent links, resets, clock jumps, full disks, fsync
 * errors, flipped bits in a log or snapshot, leadership transfers, snapshots and installs) is
 * followed by a liveness phase on a healed world, in which every client must complete a
 * linearizable read and every member converge. Checked after every event: one leader per
 * term, committed entries never change, equal entry bytes and tree digests at equal index
 * (and each member's own digest check, in production code); at the end: equal trees, no
 * acknowledged write lost, a linearizable history.
 */
import { createHash } from 'node:crypto';
import { defaultConfig, type ServerConfig } from '../../../src/config/config.js';
import type { EnsembleServer } from '../../../src/config/config-ensemble.js';
import type { Entry } from '../../../src/consensus/index.js';
import { Err, errName } from '../../../src/protocol/error-codes.js';
import { OpCode } from '../../../src/protocol/opcodes.js';
import type { DataTree } from '../../../src/tree/data-tree.js';
import { Prng } from '../../support/prng.js';
import { CommittedLog, ElectionSafety, SafetyViolation } from '../checkers.js';
import { checkLinearizable, checkNoAckedWriteLost } from './final-checks.js';
import { MemberHistory } from './history.js';
import { pickMemberSimOptions, type MemberSimOptions } from './options.js';
import { SimClient } from './sim-client.js';
import { SimMember } from './sim-member.js';
import { SimLinks } from './sim-peers.js';
import { SimClientPorts } from './sim-sockets.js';
import { AppliedLog, check, DigestAgreement } from './state-checkers.js';
import { treeDigest } from './tree-digest.js';
import { SimWorld } from './world.js';

export interface MemberSimResult {
  readonly virtualMs: number;
  readonly events: number;
  readonly terms: number;
  readonly committed: number;
  readonly opsChecked: number;
  readonly digestsCompared: number;
  readonly counts: ReadonlyMap<string, number>;
}

const SUPER_PASSWORD = 'sim';
const superDigest = createHash('sha1').update(`super:${SUPER_PASSWORD}`).digest('base64');

export class MemberSimulation {
  readonly prng: Prng;
  readonly options: MemberSimOptions;
  readonly world = new SimWorld();
  readonly members = new Map<number, SimMember>();
  readonly clients: SimClient[] = [];
  private readonly links: SimLinks;
  private readonly ports: SimClientPorts;
  private readonly history = new MemberHistory();
  private readonly applied = new AppliedLog();
  private readonly digests = new DigestAgreement();
  private readonly election = new ElectionSafety();
  private readonly committedLog = new CommittedLog();
  private readonly counts = new Map<string, number>();
  /** Ids that are (or are becoming) members; the others were removed. */
  private configured: number[];
  private violation: Error | null = null;
  /** Bits flipped in a stopped member's files, until a start refuses them. */
  private readonly damaged = new Map<number, { path: string; offset: number; old: number }>();
  private faulty = true;

  constructor(
    readonly seed: number,
    private readonly log: ((line: string) => void) | null = null,
  ) {
    this.prng = new Prng(seed);
    this.options = pickMemberSimOptions(this.prng);
    this.links = new SimLinks(this.world, this.prng.fork(), this.options.links);
    this.ports = new SimClientPorts(this.world);
    const total = Math.max(this.options.founders, this.options.growTo);
    this.configured = Array.from({ length: total }, (_, i) => i + 1);
    for (const id of this.configured) {
      const member = new SimMember(
        id,
        this.world,
        this.links,
        this.ports,
        this.prng.fork(),
        {
          applied: (from, entry, tree) => this.onApplied(from, entry, tree),
          installed: (from, index, tree) => this.onInstalled(from, index, tree),
          event: (what, detail) => this.event(what, detail),
          startFailed: (from, reason) => this.onStartFailed(from, reason),
          violated: (error) => {
            this.violation ??= error;
          },
        },
        this.configFor(id),
        log,
      );
      this.members.set(id, member);
    }
    for (let i = 0; i < this.options.clients; i++) {
      const admin = i === 0 ? Buffer.from(`super:${SUPER_PASSWORD}`) : null;
      const client = new SimClient(
        i,
        1 + this.prng.int(this.options.founders),
        this.world,
        this.ports,
        () => this.configured,
        this.options.client,
        this.history,
        this.prng.fork(),
        admin,
      );
      this.clients.push(client);
    }
  }

  private serverLines(): EnsembleServer[] {
    return this.configured.map((id) => ({
      id,
      host: '127.0.0.1',
      peerPort: 28000 + id,
      electionPort: 38000 + id,
      role: 'participant',
      clientPort: 2181,
    }));
  }

  private configFor(id: number): ServerConfig {
    const o = this.options;
    const founders = this.serverLines().filter((s) => s.id <= o.founders);
    const joining = id > o.founders;
    return {
      ...defaultConfig(),
      dataDir: `/m${id}/data`,
      dataLogDir: `/m${id}/data`,
      tickTime: o.tickTime,
      minSessionTimeout: 2 * o.tickTime,
      maxSessionTimeout: 20 * o.tickTime,
      snapCount: o.snapCount,
      maxClientCnxns: 0,
      reconfigEnabled: true,
      superDigest: `super:${superDigest}`,
      standaloneEnabled: false,
      linearizableReads: o.client.serverSyncsReads,
      join: joining,
      ensemble: {
        servers: joining ? this.serverLines().filter((s) => s.id <= id) : founders,
        groups: [],
        weights: [],
        dynamicConfigFile: null,
      },
    };
  }

  async run(): Promise<MemberSimResult> {
    const o = this.options;
    for (const member of this.members.values()) member.start();
    for (const client of this.clients) client.start();
    this.world.after(o.stepMs, () => this.injectStep());
    if (o.growTo > 0) this.world.after(this.prng.range(500, 3000), () => this.grow());
    await this.world.runUntil(o.safetyMs, () => this.afterEvent(false));
    this.throwIfViolated();
    this.heal();
    await this.world.runUntil(o.safetyMs + o.livenessMs, () => this.afterEvent(true));
    this.throwIfViolated();
    if (!this.converged()) this.failLiveness();
    return this.finalChecks();
  }

  // ---- checks ----

  private onApplied(member: number, entry: Entry, tree: DataTree): void {
    try {
      this.applied.observe(member, entry);
      this.digests.observe(member, entry.index, tree);
    } catch (error) {
      this.violation ??= error instanceof Error ? error : new Error(String(error));
    }
  }

  /** A snapshot from the leader: the same digest as every tree at its index, and exact. */
  private onInstalled(member: number, index: number, tree: DataTree): void {
    this.count('snapshotInstalled');
    try {
      check(tree.digest === tree.computeDigest(), `member ${member}: installed digest is wrong`);
      this.digests.observe(member, index, tree);
    } catch (error) {
      this.violation ??= error instanceof Error ? error : new Error(String(error));
    }
  }

  /** After each event: the invariants; during liveness, whether everything converged. */
  private afterEvent(liveness: boolean): boolean {
    // Written in place: emptying the list (length = 0) would drop its storage every time.
    const up = this.upNow;
    let count = 0;
    for (const member of this.members.values()) if (member.state === 'up') up[count++] = member;
    if (up.length !== count) up.length = count;
    this.election.check(up);
    this.committedLog.check(up);
    if (this.violation !== null) return true;
    return liveness && this.converged();
  }

  private throwIfViolated(): void {
    if (this.violation !== null) throw this.violation;
  }

  /** The members up after the last event (refilled after each: this runs after every one). */
  private readonly upNow: SimMember[] = [];

  private leaderUp(): SimMember | undefined {
    for (const member of this.members.values()) {
      if (member.state === 'up' && member.node.role() === 'leader') return member;
    }
    return undefined;
  }

  /**
   * A leader whose whole log is committed, and every member of its membership applied all of
   * it. Servers outside that membership (removed, or joiners the faults kept out) are stopped,
   * as an operator would.
   */
  private converged(): boolean {
    if (!this.clients.every((c) => c.done)) return false;
    const leader = this.leaderUp()?.node;
    if (leader === undefined) return false;
    const commit = leader.committed();
    if (commit !== leader.lastIndex()) return false;
    const membership = leader.membership();
    const ids = [...membership.voters, ...membership.learners].sort((a, b) => a - b);
    const members = ids.map((id) => this.members.get(id));
    if (!members.every((m) => m?.state === 'up' && m.member?.replica.applied === commit)) {
      return false;
    }
    for (const m of this.members.values()) {
      if (!ids.includes(m.id) && m.state !== 'down') m.kill(false);
    }
    this.configured = ids;
    return true;
  }

  private failLiveness(): never {
    const pending = this.clients.filter((c) => !c.done).map((c) => c.id);
    const states = this.configured.map((id) => {
      const m = this.members.get(id) as SimMember;
      if (m.state !== 'up') return `${id}:${m.state}`;
      const { role, commit } = m.status();
      return `${id}:${role}/${m.member?.replica.applied}/${commit}`;
    });
    throw new SafetyViolation(
      `liveness: not converged by ${this.world.now} ms (clients not done: [${pending.join()}], ` +
        `members: ${states.join(' ')})`,
    );
  }

  private finalChecks(): MemberSimResult {
    const trees = this.configured.map((id) => this.members.get(id)?.member?.replica.tree);
    const first = trees[0] as DataTree;
    const text = treeDigest(first);
    for (const [i, tree] of trees.entries()) {
      check(tree !== undefined, `member ${this.configured[i]} has no tree at the end`);
      check(tree.digest === tree.computeDigest(), `member ${this.configured[i]}: digest drifted`);
      check(treeDigest(tree) === text, `member ${this.configured[i]}'s final tree differs`);
    }
    checkNoAckedWriteLost(this.history.acked, this.applied, first);
    const dropped = this.history.dropUnobserved((session, input) =>
      this.applied.carries(session, input),
    );
    const ops = this.history.operations();
    checkLinearizable(ops);
    this.count('unknownOutcome', this.history.unknown);
    this.count('unknownNeverCommitted', dropped);
    for (const client of this.clients) {
      this.count('sessionClosed', client.sessionsClosed);
      this.count('sessionExpired', client.sessionsExpired);
      this.count('clientOps', client.completed);
    }
    this.count('linkMessages', this.links.messages);
    this.count('linkLost', this.links.lost);
    return {
      virtualMs: this.world.now,
      events: this.world.events,
      terms: this.election.terms,
      committed: this.committedLog.committedMax,
      opsChecked: ops.length,
      digestsCompared: this.digests.compared,
      counts: this.counts,
    };
  }

  // ---- faults ----

  private injectStep(): void {
    if (!this.faulty) return;
    const o = this.options;
    const p = this.prng;
    const configured = this.configured.map((id) => this.members.get(id) as SimMember);
    const up = configured.filter((m) => m.state === 'up' && !m.paused);
    if (p.chance(o.killRate) && up.length > 0) this.kill(p.pick(up));
    if (p.chance(o.pauseRate) && up.length > 0) this.pause(p.pick(up));
    if (p.chance(o.partitionRate)) this.partition();
    if (p.chance(o.silenceRate) && up.length > 1) {
      const [from, to] = [p.pick(up).id, p.pick(up).id];
      if (from !== to) {
        this.links.silence(from, to);
        this.event('silence', `${from}->${to}`);
      }
    }
    if (p.chance(o.resetRate) && up.length > 1) this.links.reset(p.pick(up).id, p.pick(up).id);
    if (p.chance(o.clockJumpRate) && up.length > 0) {
      const member = p.pick(up);
      const ms = (p.chance(0.5) ? 1 : -1) * p.range(1000, 20000);
      member.jumpClock(ms);
      this.event('clockJump', `member ${member.id} by ${ms} ms`);
    }
    if (p.chance(o.noSpaceRate) && up.length > 0) this.fillDisk(p.pick(up));
    if (p.chance(o.fsyncFailRate) && up.length > 0) {
      const member = p.pick(up);
      member.faulty.inject({ operation: 'datasync', code: 'EIO', times: 1 });
      this.event('fsyncFault', `member ${member.id}`);
    }
    if (p.chance(o.transferRate)) this.transfer(up);
    if (p.chance(o.vanishRate)) {
      const client = p.pick(this.clients);
      const timeout = o.client.sessionTimeoutMs;
      const ms = p.range(Math.floor(timeout * 1.5), timeout * 3);
      client.vanish(ms);
      this.event('clientVanished', `client ${client.id} for ${ms} ms`);
    }
    this.world.after(o.stepMs, () => this.injectStep());
  }

  private kill(member: SimMember): void {
    member.kill(true);
    this.event('kill', `member ${member.id}`);
    const down = this.prng.range(0, this.options.downMsMax);
    this.world.after(down, () => this.restart(member));
  }

  private restart(member: SimMember): void {
    if (member.state !== 'down' || !this.configured.includes(member.id)) return;
    const flip =
      this.faulty && this.prng.chance(this.options.corruptRate) ? this.corrupt(member) : null;
    if (flip !== null) this.damaged.set(member.id, flip);
    member.start();
  }

  /**
   * A start failed: if it found the bit we flipped, the operator puts the byte back (from a
   * backup) and starts it again; any other failure is the run's.
   */
  private onStartFailed(id: number, reason: string): void {
    const member = this.members.get(id) as SimMember;
    const flip = this.damaged.get(id);
    if (flip === undefined) {
      this.violation ??= new SafetyViolation(`member ${id} failed to start: ${reason}`);
      return;
    }
    this.damaged.delete(id);
    this.event('corruptionRefused', `${flip.path}: ${reason}`);
    member.disk.restoreByte(flip.path, flip.offset, flip.old);
    this.world.after(10, () => {
      if (member.state === 'down') member.start();
    });
  }

  /**
   * Flips a bit inside a log record that is not the last of its segment (the last one is
   * where a torn write lands) or inside the newest snapshot.
   */
  private corrupt(member: SimMember): { path: string; offset: number; old: number } | null {
    const data = member.config.dataDir;
    const segments = member.disk.filesUnder(`${data}/raft-log`, 'log.');
    const snapshots = member.disk.filesUnder(`${data}/raft-snapshots`, 'snapshot.');
    const useSnapshot = (this.prng.chance(0.3) && snapshots.length > 0) || segments.length === 0;
    const candidates = useSnapshot ? snapshots.slice(-1) : segments;
    if (candidates.length === 0) return null;
    const path = this.prng.pick(candidates);
    const size = member.disk.size(path);
    // Keep clear of the header and of the last record (about 400 bytes at most here).
    const lo = 64;
    const hi = useSnapshot ? size : size - 600;
    if (hi <= lo) return null;
    const offset = this.prng.range(lo, hi - 1);
    const old = member.disk.flipBit(path, offset, this.prng.int(8));
    if (old < 0) return null;
    return { path, offset, old };
  }

  private pause(member: SimMember): void {
    member.pause();
    const ms = this.prng.range(200, this.options.pauseMsMax);
    this.event('pause', `member ${member.id} for ${ms} ms`);
    this.world.after(ms, () => member.resume());
  }

  private partition(): void {
    const ids = this.configured;
    const p = this.prng;
    switch (p.int(3)) {
      case 0:
        this.links.heal();
        this.event('partition', 'healed');
        return;
      case 1: {
        const alone = p.pick(ids);
        this.links.partition([[alone], ids.filter((id) => id !== alone)]);
        this.event('partition', `member ${alone} isolated`);
        return;
      }
      default: {
        const half = ids.filter(() => p.chance(0.5));
        const rest = ids.filter((id) => !half.includes(id));
        this.links.partition([half, rest]);
        this.event('partition', `[${half.join()}] | [${rest.join()}]`);
      }
    }
  }

  private fillDisk(member: SimMember): void {
    const partialBytes = this.prng.int(64);
    member.faulty.inject({ operation: 'write', code: 'ENOSPC', times: Infinity, partialBytes });
    const ms = this.prng.range(100, 8000);
    this.event('diskFull', `member ${member.id} for ${ms} ms`);
    this.world.after(ms, () => member.faulty.clearFaults());
  }

  private transfer(up: readonly SimMember[]): void {
    // An earlier fault of this step may have stopped some of them.
    const leader = up.find((m) => m.state === 'up' && m.status().role === 'leader');
    const member = leader?.member;
    if (leader === undefined || member === null || member === undefined) return;
    const target = this.prng.pick(this.configured);
    member.driver.run(() => void member.driver.node.transferLeadership(target));
    this.event('transfer', `${leader.id} -> ${target}`);
  }

  /** The one-member ensemble takes the joiners in; some seeds later remove the last one. */
  private grow(): void {
    const joiners = this.serverLines().filter((s) => s.id > this.options.founders);
    const joiningServers = joiners
      .map(
        (s) =>
          `server.${s.id}=${s.host}:${s.peerPort}:${s.electionPort}:participant;${s.clientPort}`,
      )
      .join(',');
    const request = {
      type: OpCode.reconfig,
      joiningServers,
      leavingServers: '',
      newMembers: '',
      curConfigId: -1,
    } as const;
    this.reconfig(request, 'grow', () => {
      if (this.prng.chance(0.5)) this.world.after(this.prng.range(500, 4000), () => this.shrink());
    });
  }

  private shrink(): void {
    if (!this.faulty) return;
    const leaving = this.configured[this.configured.length - 1] as number;
    const request = {
      type: OpCode.reconfig,
      joiningServers: '',
      leavingServers: `${leaving}`,
      newMembers: '',
      curConfigId: -1,
    } as const;
    // The server the ensemble no longer has is stopped once everything converged.
    this.reconfig(request, 'shrink', () => undefined);
  }

  /** Sends a reconfig through the administrator client until it succeeds (retrying). */
  private reconfig(
    request: Parameters<SimClient['requestReconfig']>[0],
    what: string,
    then: () => void,
  ): void {
    const admin = this.clients[0] as SimClient;
    admin.requestReconfig(request, (err) => {
      if (err === Err.ok) {
        this.event('reconfig', `${what} done`);
        then();
        return;
      }
      this.event('reconfigRetry', `${what}: ${err === 'lost' ? 'lost' : errName(err)}`);
      // Faults are over: the membership is whatever the ensemble settled on.
      if (this.faulty) this.world.after(1000, () => this.reconfig(request, what, then));
    });
  }

  /** The end of the faults: links heal, paused members resume, failed ones restart. */
  private heal(): void {
    this.faulty = false;
    this.links.heal();
    for (const id of this.configured) {
      const member = this.members.get(id) as SimMember;
      member.faulty.clearFaults();
      member.resume();
      const failed = member.member
        ?.status()
        .metrics.some(([k, v]) => k === 'log_failed' && v === 1);
      if (failed === true) member.kill(false);
      if (member.state === 'down') member.start();
    }
    for (const client of this.clients) client.finishing = true;
    this.log?.(`t=${this.world.now} healing: links healed, every member running`);
  }

  private event(what: string, detail: string): void {
    this.count(what);
    this.log?.(`t=${this.world.now.toFixed(1)} ${what}: ${detail}`);
  }

  private count(what: string, n = 1): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + n);
  }
}
