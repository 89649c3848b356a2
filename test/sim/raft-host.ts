/**
 * One simulated consensus server for the Raft simulation: the member's own Ready loop
 * (member/raft-driver.ts) and durable log (member/durable-log.ts over storage/raft-store.ts)
 * on a SimDisk and a SimRuntime, with a toy state machine (the list of applied entries,
 * whose snapshot is that list as JSON). A crash loses the process and tears the disk's
 * unsynced writes; a restart reopens the log from the disk, as a member does.
 */
import { pino } from 'pino';
import {
  RaftNode,
  SeededRandom,
  type Entry,
  type Membership,
  type Message,
  type NodeId,
  type Status,
} from '../../src/consensus/index.js';
import { DurableLog } from '../../src/member/durable-log.js';
import { RaftDriver } from '../../src/member/raft-driver.js';
import type { Prng } from '../support/prng.js';
import { describeEntry, type HostOptions } from '../unit/consensus/host.js';
import { SafetyViolation, type CheckedServer } from './checkers.js';
import { SimDisk } from './member/sim-disk.js';
import { SimRuntime } from './member/sim-runtime.js';
import { Incarnation, type SimWorld } from './member/world.js';

const silent = pino({ level: 'silent' });
const dataDir = '/raft';

export interface RaftHostLinks {
  /** Puts a message on the (unreliable) network. */
  send(message: Message): void;
  /** A fact worth counting (crashes, restarts, snapshots). */
  count(what: string): void;
  /** The server stopped on a broken invariant: the run has failed. */
  violated(error: Error): void;
}

export class RaftHost implements CheckedServer {
  readonly disk: SimDisk;
  private incarnation: Incarnation | null = null;
  private driver: RaftDriver | null = null;
  private log: DurableLog | null = null;
  private raftNode: RaftNode | null = null;
  /** applied[i] describes the entry applied at index i (index 0 is the empty log). */
  applied: string[] = [''];
  /** Bumped on every snapshot install and restart, when `applied` is replaced wholesale. */
  generation = 0;
  private starts = 0;
  private snapshotting = false;

  constructor(
    readonly id: NodeId,
    private readonly membership: Membership,
    private readonly options: HostOptions,
    private readonly world: SimWorld,
    private readonly prng: Prng,
    private readonly links: RaftHostLinks,
  ) {
    this.disk = new SimDisk(world, prng.fork());
  }

  get up(): boolean {
    return this.driver !== null;
  }

  get node(): RaftNode {
    if (this.raftNode === null) throw new Error(`host ${this.id} is down`);
    return this.raftNode;
  }

  get appliedIndex(): number {
    return this.applied.length - 1;
  }

  /**
   * Whether `applied` holds `described`; scans only what was applied since the last call
   * (`applied` only grows until a new generation replaces it).
   */
  hasApplied(described: string): boolean {
    let search = this.search;
    if (search?.generation !== this.generation || search.described !== described) {
      search = { generation: this.generation, described, scanned: 0, found: false };
      this.search = search;
    }
    const applied = this.applied;
    for (; !search.found && search.scanned < applied.length; search.scanned++) {
      search.found = applied[search.scanned] === described;
    }
    return search.found;
  }

  private search: {
    generation: number;
    described: string;
    scanned: number;
    found: boolean;
  } | null = null;

  status(): Status {
    return this.node.status();
  }

  /** True from start() until kill(), including while the log is being opened. */
  get running(): boolean {
    return this.incarnation !== null;
  }

  /** Opens the log from the disk and starts the Ready loop (once; `up` when it runs). */
  async start(): Promise<void> {
    // One process per server: a second start while the first still opens would run two.
    if (this.incarnation !== null) return;
    const incarnation = new Incarnation(`host ${this.id} #${++this.starts}`);
    this.incarnation = incarnation;
    this.disk.owner = incarnation;
    const runtime = new SimRuntime(this.world, incarnation, this.prng.fork());
    const { storage, snapshotRecords } = await DurableLog.open({
      dataDir,
      dataLogDir: dataDir,
      logger: silent,
      disk: this.disk,
      initialMembership: this.membership,
      retainEntries: this.prng.int(6),
    });
    if (!incarnation.alive) return;
    this.applied = snapshotRecords === null ? [''] : parseApplied(snapshotRecords);
    this.generation++;
    const node = new RaftNode({
      id: this.id,
      storage,
      random: new SeededRandom(this.options.seed * 7919 + this.id * 104729 + this.starts),
      electionTicks: this.options.electionTicks,
      heartbeatTicks: this.options.heartbeatTicks,
      preVote: this.options.preVote,
      checkQuorum: this.options.checkQuorum,
      ...(this.options.inflightMessagesMax === undefined
        ? {}
        : { inflightMessagesMax: this.options.inflightMessagesMax }),
      ...(this.options.appendBytesMax === undefined
        ? {}
        : { appendBytesMax: this.options.appendBytesMax }),
    });
    this.log = storage;
    this.raftNode = node;
    this.driver = new RaftDriver({
      node,
      storage,
      logger: silent,
      runtime,
      send: (message) => this.send(message),
      onSoftState: () => undefined,
      onSnapshot: (meta, records) => {
        this.applied = parseApplied(records);
        this.generation++;
        if (this.appliedIndex !== meta.index) {
          throw new SafetyViolation(`host ${this.id}: snapshot data and index disagree`);
        }
      },
      onCommitted: (entries) => this.apply(entries),
      onCycle: () => undefined,
      onStorageFailure: () => this.kill(),
      onStorageRecovered: () => undefined,
      onFatal: (error) => {
        this.links.violated(new SafetyViolation(`host ${this.id} stopped: ${error.message}`));
      },
    });
    this.driver.run(() => undefined);
  }

  private apply(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (entry.index !== this.appliedIndex + 1) {
        throw new SafetyViolation(
          `host ${this.id}: applied ${entry.index} after ${this.appliedIndex}`,
        );
      }
      this.applied.push(describeEntry(entry));
    }
  }

  /** A snapshot message carries the snapshot file itself, read when it is sent. */
  private send(message: Message): void {
    const log = this.log;
    const driver = this.driver;
    if (message.type !== 'snapshot' || log === null || driver === null) {
      this.links.send(message);
      return;
    }
    log.snapshotFile().then(
      (file) => {
        if (file === null) return driver.run(() => this.node.reportSnapshot(message.to, false));
        const meta = log.snapshotFileMeta(file);
        this.links.send({ ...message, snapshot: { meta, data: file } });
      },
      () => driver.run(() => this.node.reportSnapshot(message.to, false)),
    );
  }

  /** Runs `input` against the node at its next chance (droppable: a message, a tick). */
  input(input: (node: RaftNode) => void, droppable = true): void {
    const driver = this.driver;
    const node = this.raftNode;
    if (driver === null || node === null) return;
    driver.run(() => input(node), droppable);
  }

  /** SIGKILL: the process goes, the disk keeps what it synced (and a torn prefix). */
  kill(): void {
    if (this.incarnation === null) return;
    this.incarnation.alive = false;
    this.incarnation = null;
    this.driver?.stop();
    this.driver = null;
    this.raftNode = null;
    this.log = null;
    this.snapshotting = false;
    this.disk.owner = null;
    this.disk.crash();
    this.links.count('crash');
  }

  /** Snapshots the state machine at the applied index; the log is compacted behind it. */
  snapshot(): void {
    const log = this.log;
    if (log === null || this.snapshotting) return;
    // Entries are applied while they are being made durable: snapshot what is both.
    const index = Math.min(this.appliedIndex, log.lastIndex());
    if (index <= log.snapshot().meta.index) return;
    this.snapshotting = true;
    const records = [Buffer.from(JSON.stringify(this.applied.slice(0, index + 1)))];
    const membership = this.node.status().membership;
    this.links.count('snapshot');
    log.saveSnapshot(index, membership, records).then(
      () => {
        this.snapshotting = false;
      },
      () => {
        this.snapshotting = false;
      },
    );
  }
}

function parseApplied(records: readonly Buffer[]): string[] {
  const parsed: unknown = JSON.parse(Buffer.concat(records).toString('utf8'));
  if (!Array.isArray(parsed)) throw new SafetyViolation('snapshot data is not a list');
  return parsed.map((item) => String(item));
}
