/**
 * Drives one RaftNode for the server, following the Ready contract (consensus/ready.ts):
 * take a Ready, send what may go at once, apply committed entries, persist (one fsync),
 * send what needed the fsync, advance (a Ready with a snapshot installs it and applies
 * after the fsync). The node takes no input while a
 * Ready is in progress, so inputs (ticks, peer messages, proposals) queue here and run right
 * after `advance`; everything that arrived during one fsync lands in the next Ready, which is
 * how writes are batched. A failed fsync stops the member: Raft must not go on after losing
 * a write it may have acknowledged.
 */
import type { Logger } from 'pino';
import type {
  Entry,
  Message,
  RaftNode,
  Ready,
  SnapshotMeta,
  SoftState,
} from '../consensus/index.js';
import { assert } from '../util/assert.js';
import { driverQueueMax } from '../util/limits.js';
import type { DurableLog } from '../member/durable-log.js';

export interface RaftDriverDeps {
  node: RaftNode;
  storage: DurableLog;
  logger: Logger;
  /** Raft messages to peers (a snapshot message already carries the snapshot file). */
  send(message: Message): void;
  onSoftState(soft: SoftState): void;
  /** A leader's snapshot was installed: rebuild the state from its records. */
  onSnapshot(meta: SnapshotMeta, records: Buffer[]): void;
  onCommitted(entries: readonly Entry[]): void;
  /** After every Ready (roles and applied state may have changed). */
  onCycle(): void;
  /** Storage failed: the member must stop. */
  onFatal(error: Error): void;
}

export class RaftDriver {
  private busy = false;
  private scheduled = false;
  private stopped = false;
  private queue: (() => void)[] = [];
  private queueHead = 0;
  /** Peer messages dropped because the queue was full (Raft retransmits). */
  dropped = 0;

  constructor(private readonly deps: RaftDriverDeps) {}

  get node(): RaftNode {
    return this.deps.node;
  }

  /**
   * Runs `input` against the node now if no Ready is in progress, else right after it.
   * `droppable` inputs (peer messages) are dropped when the queue is full.
   */
  run(input: () => void, droppable = false): void {
    if (this.stopped) return;
    if (!this.busy) {
      input();
      this.schedule();
      return;
    }
    if (this.queue.length - this.queueHead >= driverQueueMax) {
      assert(droppable, 'raft driver: the input queue is full of inputs that cannot be dropped');
      this.dropped++;
      return;
    }
    this.queue.push(input);
  }

  tick(): void {
    this.run(() => this.deps.node.tick(), true);
  }

  stop(): void {
    this.stopped = true;
    this.queue = [];
    this.queueHead = 0;
  }

  /** Batches the inputs of this event-loop turn into one Ready. */
  private schedule(): void {
    if (this.scheduled || this.busy || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.cycle();
    });
  }

  private cycle(): void {
    if (this.busy || this.stopped || !this.deps.node.hasReady()) return;
    this.busy = true;
    const ready = this.deps.node.ready();
    this.process(ready).then(
      () => this.afterCycle(),
      (error: unknown) => this.fail(error),
    );
  }

  private async process(ready: Ready): Promise<void> {
    const { deps } = this;
    if (ready.softState !== undefined) deps.onSoftState(ready.softState);
    for (const message of ready.messages) deps.send(message);
    // Committed means durable on a majority: apply (and answer clients) while our own fsync
    // runs, not after it; a crash before it loses only this member's copy, which it gets
    // back from the others (etcd's raft allows the same). After a snapshot, apply follows it.
    const early = ready.snapshot === undefined && ready.committedEntries.length > 0;
    if (early) deps.onCommitted(ready.committedEntries);
    let installed: { meta: SnapshotMeta; records: Buffer[] } | null = null;
    if (ready.snapshot !== undefined) {
      installed = await deps.storage.installSnapshot(ready.snapshot.data);
      assert(
        installed.meta.index === ready.snapshot.meta.index,
        'raft driver: installed snapshot differs from the one the node accepted',
      );
    }
    if (ready.entries.length > 0 || ready.hardState !== undefined) {
      await deps.storage.persist({ hardState: ready.hardState, entries: ready.entries });
    }
    if (this.stopped) return;
    for (const message of ready.messagesAfterPersist) deps.send(message);
    if (installed !== null) deps.onSnapshot(installed.meta, installed.records);
    if (!early && ready.committedEntries.length > 0) deps.onCommitted(ready.committedEntries);
  }

  private afterCycle(): void {
    if (this.stopped) return;
    this.deps.node.advance();
    this.busy = false;
    // Inputs that waited for this Ready; inputs they cause run at once (busy is false).
    const queued = this.queue;
    const head = this.queueHead;
    this.queue = [];
    this.queueHead = 0;
    for (let i = head; i < queued.length; i++) (queued[i] as () => void)();
    this.deps.onCycle();
    this.schedule();
  }

  private fail(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    this.stop();
    this.deps.onFatal(failure);
  }
}
