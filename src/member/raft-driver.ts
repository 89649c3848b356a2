/**
 * The one Ready loop: drives a member's RaftNode in production and in every simulation,
 * following the Ready contract (consensus/ready.ts): take a Ready, send what may go at once,
 * apply committed entries (while the fsync runs: the early-apply rule), persist (one fsync),
 * send what needed the fsync, advance. The node takes no input while a Ready is in progress,
 * so inputs (ticks, peer messages, proposals) queue here and run right after `advance`;
 * everything that arrived during one fsync lands in the next Ready, which is how writes are
 * batched (group commit).
 *
 * A failed persist holds its Ready (nothing after it is acted on) and the member is told. A
 * write that failed before its fsync (a full disk) is retried every logRecoveryIntervalMs once
 * the storage cut back to its synced end, and the loop goes on as if the fsync had been slow;
 * a failed fsync is final: Raft must not go on after losing a write it may have promised.
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
import { driverQueueMax, logRecoveryIntervalMs } from '../util/limits.js';
import type { Runtime, Timer } from '../util/runtime.js';
import type { DurableLog } from './durable-log.js';

export interface RaftDriverDeps {
  node: RaftNode;
  storage: DurableLog;
  logger: Logger;
  runtime: Runtime;
  /** Raft messages to peers (a snapshot message already carries the snapshot file). */
  send(message: Message): void;
  onSoftState(soft: SoftState): void;
  /** A leader's snapshot was installed: rebuild the state from its records. */
  onSnapshot(meta: SnapshotMeta, records: Buffer[]): void;
  onCommitted(entries: readonly Entry[]): void;
  /** After every Ready (roles and applied state may have changed). */
  onCycle(): void;
  /** A Ready was made durable, taking `ms` (metrics). */
  onPersisted?(ms: number): void;
  /** Persisting failed; `final`: it cannot be retried (restart), else it is being retried. */
  onStorageFailure(error: Error, final: boolean): void;
  /** A held Ready was persisted after all: the storage works again. */
  onStorageRecovered(): void;
  /**
   * Anything else went wrong while acting on a Ready (an entry that fails its digest check
   * or an invariant while applying, a snapshot that cannot be installed): the member stops.
   */
  onFatal(error: Error): void;
}

/** What is left of a Ready once its persist failed. */
interface HeldReady {
  readonly ready: Ready;
  readonly early: boolean;
  readonly installed: { meta: SnapshotMeta; records: Buffer[] } | null;
}

export class RaftDriver {
  private busy = false;
  private scheduled = false;
  private stopped = false;
  private queue: (() => void)[] = [];
  private queueHead = 0;
  private held: HeldReady | null = null;
  private retry: Timer | null = null;
  private retrying = false;
  /** Peer messages dropped because the queue was full (Raft retransmits). */
  dropped = 0;

  constructor(private readonly deps: RaftDriverDeps) {}

  get node(): RaftNode {
    return this.deps.node;
  }

  /** A Ready could not be persisted and waits for the storage to recover. */
  get stalled(): boolean {
    return this.held !== null;
  }

  /**
   * Runs `input` against the node now if no Ready is in progress, else right after it.
   * `droppable` inputs (peer messages, ticks) are dropped when the queue is full.
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
    this.retry?.cancel();
    this.retry = null;
  }

  /** Batches the inputs of this event-loop turn into one Ready. */
  private schedule(): void {
    if (this.scheduled || this.busy || this.stopped) return;
    this.scheduled = true;
    this.deps.runtime.soon(() => {
      this.scheduled = false;
      this.cycle();
    });
  }

  private cycle(): void {
    if (this.busy || this.stopped || !this.deps.node.hasReady()) return;
    this.busy = true;
    const ready = this.deps.node.ready();
    // An input that runs after the Ready (afterCycle) and throws is a bug: stop cleanly.
    this.process(ready)
      .then((done) => {
        if (done) this.afterCycle();
      })
      .catch((error: unknown) => this.fail(error));
  }

  /** Resolves true once the Ready is done, false when its persist failed and it is held. */
  private async process(ready: Ready): Promise<boolean> {
    const { deps } = this;
    if (ready.softState !== undefined) deps.onSoftState(ready.softState);
    for (const message of ready.messages) deps.send(message);
    // The early-apply rule (ready.ts): committed means durable on a quorum, so apply (and
    // answer clients) while our own fsync runs. After a snapshot, apply follows it.
    const early = ready.snapshot === undefined && ready.committedEntries.length > 0;
    if (early) deps.onCommitted(ready.committedEntries);
    let installed: HeldReady['installed'] = null;
    if (ready.snapshot !== undefined) {
      installed = await deps.storage.installSnapshot(ready.snapshot.data);
      assert(
        installed.meta.index === ready.snapshot.meta.index,
        'raft driver: installed snapshot differs from the one the node accepted',
      );
    }
    return this.persistAndFinish({ ready, early, installed });
  }

  private async persistAndFinish(held: HeldReady): Promise<boolean> {
    const { ready, early, installed } = held;
    const { deps } = this;
    // A membership change takes effect at advance(); a restart must find it committed, or
    // it would campaign with the old membership (which may not overlap the new one).
    const commitDurably = ready.committedEntries.some((entry) => entry.kind === 'config');
    if (ready.entries.length > 0 || ready.hardState !== undefined || commitDurably) {
      try {
        const { hardState, entries } = ready;
        const began = deps.runtime.now();
        await deps.storage.persist({ hardState, entries, commitDurably });
        deps.onPersisted?.(deps.runtime.now() - began);
      } catch (error) {
        if (this.stopped) return false;
        this.hold(held, error instanceof Error ? error : new Error(String(error)));
        return false;
      }
    }
    if (this.stopped) return false;
    for (const message of ready.messagesAfterPersist) deps.send(message);
    if (installed !== null) deps.onSnapshot(installed.meta, installed.records);
    if (!early && ready.committedEntries.length > 0) deps.onCommitted(ready.committedEntries);
    return true;
  }

  /** Keeps a Ready whose persist failed, and retries it while the storage can recover. */
  private hold(held: HeldReady, error: Error): void {
    const storage = this.deps.storage;
    this.held = held;
    const final = storage.failure === null ? false : !isRetryable(storage.failure);
    this.deps.onStorageFailure(error, final);
    if (final) return;
    this.retry = this.deps.runtime.every(logRecoveryIntervalMs, () => this.retryHeld());
  }

  private retryHeld(): void {
    const held = this.held;
    if (held === null || this.stopped || this.retrying) return;
    this.retrying = true;
    this.deps.storage
      .tryRecover()
      .then(async (recovered) => {
        if (!recovered || this.stopped) return;
        this.held = null;
        this.retry?.cancel();
        this.retry = null;
        if (await this.persistAndFinish(held)) {
          this.deps.onStorageRecovered();
          this.afterCycle();
        }
      })
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.retrying = false;
      });
  }

  private afterCycle(): void {
    if (this.stopped) return;
    this.deps.node.advance();
    this.applyCommittedNow();
    if (this.stopped) return;
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

  /**
   * What the Ready just persisted may have committed more (a leader counts its own copy at
   * advance): apply it now, before the inputs that queued during the fsync run, so that the
   * writes its replies bring in join the next batch instead of waiting for another fsync.
   * Only while nothing needs persisting; anything else goes through the normal cycle.
   */
  private applyCommittedNow(): void {
    const { node, storage } = this.deps;
    while (node.hasReady() && node.readyNeedsNoPersist()) {
      const ready = node.ready();
      if (ready.softState !== undefined) this.deps.onSoftState(ready.softState);
      for (const message of ready.messages) this.deps.send(message);
      if (ready.committedEntries.length > 0) this.deps.onCommitted(ready.committedEntries);
      if (ready.hardState !== undefined) storage.noteCommit(ready.hardState);
      if (this.stopped) return;
      node.advance();
    }
  }

  private fail(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    this.stop();
    this.deps.onFatal(failure);
  }
}

/** A write that failed before its fsync can be cut back and retried; nothing else can. */
function isRetryable(failure: Error): boolean {
  return (failure as { code?: string }).code === 'WARREN_STORAGE_WRITE';
}
