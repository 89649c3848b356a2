/**
 * One simulated ensemble member: RaftNode + MemoryStorage + Replica (+ its DataTree), driven
 * the way the real server will drive them. Each Ready is handled in the order ready.ts asks
 * (soft state to the replica, persist, send, load a snapshot, apply, advance); client writes
 * and sync barriers are proposed here when leading or forwarded to the leader, and answered
 * when this server applies the entry that carries its own (origin, requestId).
 *
 * Crashes lose everything volatile: the node, the tree, pending requests. A crash in the middle
 * of persisting a Ready is torn: only a prefix of [snapshot, entries..., hard state] reaches
 * the storage, and only some of its early messages left. A restart rebuilds the tree from the
 * stored snapshot; Raft then hands back the committed entries after it to re-apply.
 */
import { MemoryStorage } from '../../../src/consensus/memory-storage.js';
import { RaftNode, type Status } from '../../../src/consensus/node.js';
import { SeededRandom } from '../../../src/consensus/prng.js';
import type { Entry, Index, Membership, NodeId } from '../../../src/consensus/types.js';
import { JuteWriter } from '../../../src/protocol/jute-writer.js';
import { Replica, type Applied } from '../../../src/replication/replica.js';
import {
  encodeWriteInput,
  writeInputFromBuffer,
  type WriteInput,
} from '../../../src/replication/write-input.js';
import { DataTree } from '../../../src/tree/data-tree.js';
import type { Prng } from '../../support/prng.js';
import type { CheckedServer } from '../checkers.js';
import { decodeSnapshotData, SnapshotJob } from './snapshot-data.js';
import { isRaftMessage, type Wire } from './wire.js';

export interface RaftOptions {
  readonly seed: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly inflightMessagesMax: number;
  readonly appendBytesMax: number;
}

/** How a request submitted to this server ended, as its client learns it. */
export type Answer =
  | { readonly kind: 'applied'; readonly applied: Applied; readonly tree: DataTree }
  /** Nothing was proposed: the request certainly had no effect. */
  | { readonly kind: 'refused'; readonly reason: string }
  /** The server crashed with the request pending: the outcome is unknown. */
  | { readonly kind: 'lost' };

export type AnswerCallback = (answer: Answer) => void;

/** What the checkers want to see of a server's state machine. */
export interface ServerObserver {
  entryApplied(server: NodeId, entry: Entry): void;
  /** The server's tree as of applied index `index` (after a batch, a restart or an install). */
  stateAt(server: NodeId, index: Index, tree: DataTree): void;
  snapshotTaken(server: NodeId, index: Index, data: Buffer): void;
}

export interface TornCrash {
  readonly persistedSteps: number;
  readonly steps: number;
}

export class EnsembleServer implements CheckedServer {
  readonly storage: MemoryStorage;
  node: RaftNode;
  replica: Replica;
  up = true;
  /** Messages and replies waiting for the simulation to put them on the network. */
  outbox: Wire[] = [];
  private incarnation = 0;
  /** Never reset, not even by a restart: an old entry must not answer a new request. */
  private nextRequestId = 1;
  private readonly pending = new Map<number, AnswerCallback>();
  private snapshotJob: SnapshotJob | undefined;
  private readonly writer = new JuteWriter(256);

  constructor(
    readonly id: NodeId,
    private readonly membership: Membership,
    private readonly options: RaftOptions,
    private readonly observer: ServerObserver,
    private readonly clock: () => number,
  ) {
    this.storage = new MemoryStorage(membership);
    this.node = new RaftNode(this.config());
    this.replica = this.newReplica(new DataTree(), 0);
  }

  status(): Status {
    return this.node.status();
  }

  takeOutbox(): Wire[] {
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  /** A client's write or barrier; `callback` runs once, when its fate is known. */
  submit(input: WriteInput, callback: AnswerCallback): number {
    const requestId = this.nextRequestId++;
    const leader = this.replica.leader;
    if (this.replica.acceptingWrites()) {
      const outcome = this.replica.propose(input, this.id, requestId, this.clock());
      if (!outcome.ok) {
        callback({ kind: 'refused', reason: outcome.reason });
        return requestId;
      }
    } else if (leader !== 0 && leader !== this.id) {
      this.writer.reset();
      encodeWriteInput(this.writer, input);
      const bytes = this.writer.toBuffer();
      this.outbox.push({ type: 'forward', from: this.id, to: leader, requestId, input: bytes });
    } else {
      callback({ kind: 'refused', reason: 'no leader known' });
      return requestId;
    }
    this.pending.set(requestId, callback);
    return requestId;
  }

  /** The client gave up waiting: a late answer goes nowhere. */
  abandon(requestId: number): void {
    this.pending.delete(requestId);
  }

  deliver(wire: Wire): void {
    if (isRaftMessage(wire)) {
      this.node.step(wire);
      return;
    }
    if (wire.type === 'forwardRefused') {
      const callback = this.pending.get(wire.requestId);
      this.pending.delete(wire.requestId);
      callback?.({ kind: 'refused', reason: wire.reason });
      return;
    }
    const input = writeInputFromBuffer(wire.input);
    const outcome = this.replica.propose(input, wire.from, wire.requestId, this.clock());
    if (!outcome.ok) {
      const { requestId } = wire;
      const reason = outcome.reason;
      this.outbox.push({ type: 'forwardRefused', from: this.id, to: wire.from, requestId, reason });
    }
  }

  /** Runs ready/advance until the node is quiet, following the Ready contract. */
  drain(): void {
    while (this.node.hasReady()) {
      const ready = this.node.ready();
      if (ready.softState !== undefined) this.replica.onSoftState(ready.softState);
      if (ready.snapshot !== undefined) this.storage.applySnapshot(ready.snapshot);
      this.storage.append(ready.entries);
      if (ready.hardState !== undefined) this.storage.setHardState(ready.hardState);
      this.outbox.push(...ready.messages, ...ready.messagesAfterPersist);
      if (ready.snapshot !== undefined) {
        const index = ready.snapshot.meta.index;
        this.replica.replaceTree(decodeSnapshotData(ready.snapshot.data), index);
        this.observer.stateAt(this.id, index, this.replica.tree);
      }
      for (const entry of ready.committedEntries) {
        // One at a time: each answer sees the tree exactly as of its own entry.
        for (const applied of this.replica.apply([entry])) this.answer(applied);
        this.observer.entryApplied(this.id, entry);
      }
      // Live trees are compared at even indexes only (digests cost); a divergence persists,
      // so it is still caught, and restarts and installs are always compared.
      if (ready.committedEntries.length > 0 && this.replica.applied % 2 === 0) {
        this.observer.stateAt(this.id, this.replica.applied, this.replica.tree);
      }
      this.node.advance();
    }
  }

  private answer(applied: Applied): void {
    if (applied.kind === 'config' || applied.origin !== this.id) return;
    const callback = this.pending.get(applied.requestId);
    if (callback === undefined) return;
    this.pending.delete(applied.requestId);
    callback({ kind: 'applied', applied, tree: this.replica.tree });
  }

  /**
   * Crashes while persisting the next Ready: a prefix of its steps is durable and a prefix of
   * its early messages left. Returns what was torn (undefined when no Ready was pending).
   */
  crashMidReady(prng: Prng): TornCrash | undefined {
    if (!this.node.hasReady()) {
      this.crash();
      return undefined;
    }
    const ready = this.node.ready();
    const steps = (ready.snapshot === undefined ? 0 : 1) + ready.entries.length + 1;
    const persistedSteps = prng.int(steps + 1);
    let left = persistedSteps;
    if (ready.snapshot !== undefined && left > 0) {
      this.storage.applySnapshot(ready.snapshot);
      left--;
    } else if (ready.snapshot !== undefined) {
      left = 0;
    }
    const kept = ready.entries.slice(0, left);
    this.storage.append(kept);
    left -= kept.length;
    if (left > 0 && ready.hardState !== undefined) this.storage.setHardState(ready.hardState);
    const early = ready.messages.slice(0, prng.int(ready.messages.length + 1));
    this.crash();
    this.outbox.push(...early);
    return { persistedSteps, steps };
  }

  /** Loses all volatile state; pending requests end with an unknown outcome. */
  crash(): void {
    this.up = false;
    this.outbox = [];
    this.snapshotJob?.abandon();
    this.snapshotJob = undefined;
    const callbacks = [...this.pending.values()];
    this.pending.clear();
    for (const callback of callbacks) callback({ kind: 'lost' });
  }

  /** Starts from what the storage holds: the snapshot's tree, then Raft replays the log. */
  restart(): void {
    this.incarnation++;
    const snapshot = this.storage.snapshot();
    const index = snapshot.meta.index;
    const tree = index > 0 ? decodeSnapshotData(snapshot.data) : new DataTree();
    this.node = new RaftNode(this.config());
    this.replica = this.newReplica(tree, index);
    this.up = true;
    if (index > 0) this.observer.stateAt(this.id, index, tree);
  }

  /** Begins a copy-on-write snapshot of the tree at the applied index. */
  beginSnapshot(): boolean {
    if (this.snapshotJob !== undefined) return false;
    if (this.replica.applied <= this.storage.snapshot().meta.index) return false;
    this.snapshotJob = new SnapshotJob(this.replica.applied, this.replica.tree);
    return true;
  }

  get snapshotting(): boolean {
    return this.snapshotJob !== undefined;
  }

  /** Writes the begun snapshot to the storage and compacts the log, keeping a few entries. */
  finishSnapshot(keepEntries: number): boolean {
    const job = this.snapshotJob;
    if (job === undefined) return false;
    this.snapshotJob = undefined;
    const data = job.finish();
    this.observer.snapshotTaken(this.id, job.index, data);
    // A snapshot installed from the leader meanwhile may already cover more.
    if (job.index <= this.storage.snapshot().meta.index) return false;
    this.storage.createSnapshot(job.index, this.membership, data);
    this.storage.compact(Math.max(this.storage.firstIndex() - 1, job.index - keepEntries));
    return true;
  }

  private newReplica(tree: DataTree, applied: Index): Replica {
    return new Replica(this.node, tree, applied, { extendedTypesEnabled: false });
  }

  private config(): ConstructorParameters<typeof RaftNode>[0] {
    const o = this.options;
    return {
      id: this.id,
      storage: this.storage,
      random: new SeededRandom(o.seed * 7919 + this.id * 104729 + this.incarnation),
      electionTicks: o.electionTicks,
      heartbeatTicks: o.heartbeatTicks,
      preVote: o.preVote,
      checkQuorum: o.checkQuorum,
      inflightMessagesMax: o.inflightMessagesMax,
      appendBytesMax: o.appendBytesMax,
    };
  }
}
