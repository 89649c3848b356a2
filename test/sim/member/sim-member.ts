/**
 * One simulated machine running the member that ships: `startMember` (member/start-member.ts)
 * with a SimRuntime, its SimDisk behind storage/faulty-disk.ts, the simulated links and
 * client ports as its environment. SIGKILL loses the process (its pending timers, messages
 * and disk operations die with its incarnation) and tears the disk's unsynced writes;
 * SIGSTOP holds its events until SIGCONT; a clock jump moves only its clock. A member that
 * stops itself (onFatal) because its disk failed exits like a process would; any other
 * reason (a divergence, an assertion) is a safety violation of the whole run.
 */
import { pino, type Logger } from 'pino';
import type { Entry, RaftNode, Status } from '../../../src/consensus/index.js';
import type { ServerConfig } from '../../../src/config/config.js';
import type { EnsembleMember } from '../../../src/member/member.js';
import { startMember, type MemberHandle } from '../../../src/member/start-member.js';
import { DivergenceError } from '../../../src/replication/digest-ledger.js';
import { StorageError } from '../../../src/storage/errors.js';
import { FaultyDisk } from '../../../src/storage/faulty-disk.js';
import type { DataTree } from '../../../src/tree/data-tree.js';
import type { Prng } from '../../support/prng.js';
import { SafetyViolation, type CheckedServer } from '../checkers.js';
import { SimDisk } from './sim-disk.js';
import type { SimLinks } from './sim-peers.js';
import { SimRuntime } from './sim-runtime.js';
import type { SimClientPorts } from './sim-sockets.js';
import { Incarnation, type SimWorld } from './world.js';

/** One logger for every member that logs nothing: a pino instance costs more than a start. */
const silent = pino({ level: 'silent' });

export interface MemberObserver {
  applied(member: number, entry: Entry, tree: DataTree): void;
  installed(member: number, index: number, tree: DataTree): void;
  event(what: string, detail: string): void;
  startFailed(member: number, reason: string): void;
  /** The member broke an invariant: the run has failed. */
  violated(error: SafetyViolation): void;
}

export type MemberState = 'down' | 'starting' | 'up';

export class SimMember implements CheckedServer {
  readonly disk: SimDisk;
  readonly faulty: FaultyDisk;
  private incarnation: Incarnation | null = null;
  runtime: SimRuntime | null = null;
  handle: MemberHandle | null = null;
  state: MemberState = 'down';
  starts = 0;
  /** Why the last start failed (a damaged log, ...), for the simulation to act on. */
  startFailure: Error | null = null;

  constructor(
    readonly id: number,
    private readonly world: SimWorld,
    private readonly links: SimLinks,
    private readonly ports: SimClientPorts,
    private readonly prng: Prng,
    private readonly observer: MemberObserver,
    public config: ServerConfig,
    private readonly logSink: ((line: string) => void) | null,
  ) {
    this.disk = new SimDisk(world, prng.fork());
    this.faulty = new FaultyDisk(this.disk);
    this.disk.writeDurable(`${config.dataDir}/myid`, `${id}\n`);
  }

  get member(): EnsembleMember | null {
    return this.handle?.member ?? null;
  }

  /** CheckedServer: the current incarnation's node (its log: entries not yet durable too). */
  get node(): RaftNode {
    const node = this.handle?.member.driver.node;
    if (node === undefined) throw new Error(`member ${this.id} is not up`);
    return node;
  }

  status(): Status {
    return this.node.status();
  }

  get paused(): boolean {
    return this.incarnation?.paused ?? false;
  }

  start(): void {
    if (this.state !== 'down') return;
    this.starts++;
    this.state = 'starting';
    this.startFailure = null;
    const incarnation = new Incarnation(`member ${this.id} #${this.starts}`);
    const runtime = new SimRuntime(this.world, incarnation, this.prng.fork());
    this.incarnation = incarnation;
    this.runtime = runtime;
    this.disk.owner = incarnation;
    const id = this.id;
    startMember(this.config, {
      runtime,
      disk: this.faulty,
      logger: this.logger(),
      clients: () => this.ports.listener(id, incarnation),
      peers: (_self, _peers, events) =>
        Promise.resolve(this.links.attach(id, incarnation, events, runtime)),
      onFatal: (error) => this.onFatal(incarnation, error),
      observer: {
        applied: (entry, tree) => this.observer.applied(id, entry, tree),
        installed: (index, tree) => this.observer.installed(id, index, tree),
      },
    }).then(
      (handle) => {
        if (this.incarnation !== incarnation || !incarnation.alive) return;
        this.handle = handle;
        this.state = 'up';
      },
      (error: unknown) => {
        if (this.incarnation !== incarnation || !incarnation.alive) return;
        this.startFailure = error instanceof Error ? error : new Error(String(error));
        this.kill(false);
        this.observer.startFailed(id, this.startFailure.message);
      },
    );
  }

  /** SIGKILL: the process and its unsynced writes are gone (`tear`: as in a power cut). */
  kill(tear = true): void {
    const incarnation = this.incarnation;
    if (incarnation === null) return;
    incarnation.alive = false;
    this.incarnation = null;
    this.handle = null;
    this.runtime = null;
    this.state = 'down';
    this.disk.owner = null;
    this.links.detach(this.id);
    this.ports.memberDown(this.id);
    if (tear) {
      const { tornFiles } = this.disk.crash();
      if (tornFiles > 0) this.observer.event('tornWrite', `member ${this.id}: ${tornFiles} files`);
    }
  }

  pause(): void {
    if (this.incarnation !== null) this.incarnation.paused = true;
  }

  resume(): void {
    if (this.incarnation !== null && this.incarnation.paused) this.world.resume(this.incarnation);
  }

  jumpClock(ms: number): void {
    if (this.runtime !== null) this.runtime.clockOffsetMs += ms;
  }

  private onFatal(incarnation: Incarnation, error: Error): void {
    if (error instanceof DivergenceError) {
      this.observer.violated(new SafetyViolation(`member ${this.id} diverged: ${error.message}`));
      return;
    }
    // A member may stop only because its disk failed; anything else (an assertion, a
    // TypeError) is a bug, whatever the faults.
    if (!(error instanceof StorageError)) {
      const reason = `${error.name}: ${error.message}`;
      this.observer.violated(new SafetyViolation(`member ${this.id} stopped on ${reason}`));
      return;
    }
    if (this.incarnation !== incarnation) return;
    this.observer.event('fatal', `member ${this.id}: ${error.message}`);
    // The process exits; its disk keeps what it synced.
    this.world.after(0, () => {
      if (this.incarnation === incarnation) this.kill(true);
    });
  }

  private logger(): Logger {
    const sink = this.logSink;
    if (sink === null) return silent;
    const world = this.world;
    const id = this.id;
    const stream = {
      write: (line: string) => sink(`t=${world.now.toFixed(1)} m${id} ${line.trim()}`),
    };
    return pino({ level: 'info', base: null, timestamp: false }, stream);
  }
}
