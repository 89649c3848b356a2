/**
 * A test host for one consensus node: it does what each Ready says against a MemoryStorage
 * (persist, then hand out messages, then apply) and keeps a toy state machine, the list of
 * applied entries by index, whose snapshot is that list as JSON. Shared by the scripted
 * cluster and the simulator.
 */
import assert from 'node:assert/strict';
import { decodeConfChange } from '../../../src/consensus/config-change.js';
import { MemoryStorage } from '../../../src/consensus/memory-storage.js';
import type { Message } from '../../../src/consensus/messages.js';
import { RaftNode, type Status } from '../../../src/consensus/node.js';
import { SeededRandom } from '../../../src/consensus/prng.js';
import type { RaftConfig } from '../../../src/consensus/raft.js';
import type { Entry, Membership, NodeId, Snapshot } from '../../../src/consensus/types.js';

export interface HostOptions {
  readonly seed: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly inflightMessagesMax?: number;
  readonly appendBytesMax?: number;
  readonly uncommittedBytesMax?: number;
}

export const defaultHostOptions: HostOptions = {
  seed: 1,
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
};

/** How the toy state machine records an applied entry. */
export function describeEntry(entry: Entry): string {
  if (entry.kind === 'config') {
    const change = decodeConfChange(entry.data);
    return `config:${change.type}:${change.nodeId}`;
  }
  if (entry.data.length === 0) return `(empty t${entry.term})`;
  return entry.data.toString('utf8');
}

export class Host {
  readonly storage: MemoryStorage;
  node: RaftNode;
  /** applied[i] describes the entry applied at index i (index 0 is the empty log). */
  applied: string[] = [''];
  /** Bumped on every snapshot install and restart, when `applied` is replaced wholesale. */
  generation = 0;
  private incarnation = 0;

  constructor(
    readonly id: NodeId,
    membership: Membership,
    private readonly options: HostOptions,
  ) {
    this.storage = new MemoryStorage(membership);
    this.node = new RaftNode(this.config());
  }

  get appliedIndex(): number {
    return this.applied.length - 1;
  }

  status(): Status {
    return this.node.status();
  }

  /** Runs ready/advance until the node is quiet; returns the messages to send. */
  drain(): Message[] {
    const out: Message[] = [];
    while (this.node.hasReady()) {
      const ready = this.node.ready();
      if (ready.snapshot !== undefined) this.storage.applySnapshot(ready.snapshot);
      this.storage.append(ready.entries);
      if (ready.hardState !== undefined) this.storage.setHardState(ready.hardState);
      out.push(...ready.messages, ...ready.messagesAfterPersist);
      if (ready.snapshot !== undefined) this.install(ready.snapshot);
      for (const entry of ready.committedEntries) {
        assert.equal(entry.index, this.appliedIndex + 1, `host ${this.id}: apply out of order`);
        this.applied.push(describeEntry(entry));
      }
      this.node.advance();
    }
    return out;
  }

  /** Snapshots the state machine at the applied index and drops log entries before it. */
  snapshotAndCompact(keepEntries: number): void {
    const index = this.appliedIndex;
    if (index <= this.storage.snapshot().meta.index) return;
    const data = Buffer.from(JSON.stringify(this.applied));
    this.storage.createSnapshot(index, this.node.status().membership, data);
    this.storage.compact(Math.max(this.storage.firstIndex() - 1, index - keepEntries));
  }

  /** A crash and restart: volatile state is lost, the storage (all fsynced) survives. */
  restart(): void {
    const snapshot = this.storage.snapshot();
    this.applied = snapshot.meta.index > 0 ? parseApplied(snapshot.data) : [''];
    this.generation++;
    this.incarnation++;
    this.node = new RaftNode(this.config());
  }

  /**
   * A crash in the middle of a Ready: its `messages` may already have left (they are allowed
   * to go before the fsync), but nothing of it was persisted and nothing after it was sent.
   */
  crashMidReady(): Message[] {
    const early = this.node.hasReady() ? [...this.node.ready().messages] : [];
    this.restart();
    return early;
  }

  private install(snapshot: Snapshot): void {
    this.applied = parseApplied(snapshot.data);
    assert.equal(this.appliedIndex, snapshot.meta.index, 'snapshot data and index disagree');
    this.generation++;
  }

  private config(): RaftConfig {
    const o = this.options;
    return {
      id: this.id,
      storage: this.storage,
      random: new SeededRandom(o.seed * 7919 + this.id * 104729 + this.incarnation),
      electionTicks: o.electionTicks,
      heartbeatTicks: o.heartbeatTicks,
      preVote: o.preVote,
      checkQuorum: o.checkQuorum,
      ...(o.inflightMessagesMax === undefined
        ? {}
        : { inflightMessagesMax: o.inflightMessagesMax }),
      ...(o.appendBytesMax === undefined ? {} : { appendBytesMax: o.appendBytesMax }),
      ...(o.uncommittedBytesMax === undefined
        ? {}
        : { uncommittedBytesMax: o.uncommittedBytesMax }),
    };
  }
}

function parseApplied(data: Buffer): string[] {
  const parsed: unknown = JSON.parse(data.toString('utf8'));
  assert.ok(Array.isArray(parsed), 'snapshot data is not a list');
  return parsed.map((item) => String(item));
}
