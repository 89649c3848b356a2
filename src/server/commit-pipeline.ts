/**
 * Group commit: writes prepared during one event-loop turn (and while the previous fsync was
 * running) go to the log as one batch with one fsync; only after it returns are they applied
 * to the tree in zxid order, and their watches and replies released. So no client ever sees a
 * write, or anything derived from it, before it is durable.
 */
import { JuteWriter } from '../protocol/jute-writer.js';
import { applyTxn, type ApplyResult } from '../tree/apply.js';
import type { DataTree } from '../tree/data-tree.js';
import type { Overlay } from '../tree/overlay.js';
import type { Txn } from '../tree/txn.js';
import { encodeTxn } from '../tree/txn-codec.js';
import { assert } from '../util/assert.js';
import { batchBytesMax, batchTxnsMax } from '../util/limits.js';

export interface LogRecord {
  zxid: number;
  payload: Buffer;
}

/** The durable log as the pipeline sees it: one batch in flight at a time. */
export interface TxnLog {
  append(records: LogRecord[]): Promise<void>;
}

export interface PendingWrite {
  txn: Txn;
  /** Called synchronously right after the txn is applied (deliver watches, then reply). */
  onApplied(result: ApplyResult): void;
  /** Called when the write will never apply (the log failed): outcome unknown to the client. */
  onFailed(error: Error): void;
}

export class CommitPipeline {
  private queue: PendingWrite[] = [];
  private inFlight = false;
  private scheduled = false;
  private readonly writer = new JuteWriter(1024 * 1024);
  /** Set when the log failed; every later write is refused until the server recovers. */
  failure: Error | null = null;
  batches = 0;
  lastBatchSize = 0;

  constructor(
    private readonly tree: DataTree,
    private readonly overlay: Overlay,
    private readonly log: TxnLog,
    private readonly onLogFailure: (error: Error) => void,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  get busy(): boolean {
    return this.inFlight || this.queue.length > 0;
  }

  submit(write: PendingWrite): void {
    assert(this.failure === null, 'pipeline: submit after log failure');
    this.queue.push(write);
    if (!this.scheduled && !this.inFlight) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private takeBatch(): { writes: PendingWrite[]; records: LogRecord[] } {
    const writes: PendingWrite[] = [];
    const records: LogRecord[] = [];
    let bytes = 0;
    while (this.queue.length > writes.length && writes.length < batchTxnsMax) {
      const write = this.queue[writes.length] as PendingWrite;
      this.writer.reset();
      encodeTxn(this.writer, write.txn);
      const payload = this.writer.toBuffer();
      if (writes.length > 0 && bytes + payload.length > batchBytesMax) break;
      bytes += payload.length;
      writes.push(write);
      records.push({ zxid: write.txn.zxid, payload });
    }
    this.queue = this.queue.slice(writes.length);
    return { writes, records };
  }

  private flush(): void {
    this.scheduled = false;
    if (this.inFlight || this.queue.length === 0 || this.failure !== null) return;
    const { writes, records } = this.takeBatch();
    this.inFlight = true;
    this.batches++;
    this.lastBatchSize = writes.length;
    this.log.append(records).then(
      () => this.applyBatch(writes),
      (error: unknown) => this.failBatch(writes, error),
    );
  }

  private applyBatch(writes: PendingWrite[]): void {
    this.inFlight = false;
    for (const write of writes) {
      const result = applyTxn(this.tree, write.txn);
      this.overlay.applied(write.txn.zxid);
      write.onApplied(result);
    }
    if (this.queue.length > 0) this.flush();
  }

  private failBatch(writes: PendingWrite[], error: unknown): void {
    this.inFlight = false;
    const failure = error instanceof Error ? error : new Error(String(error));
    this.failure = failure;
    const doomed = writes.concat(this.queue);
    this.queue = [];
    this.overlay.clear();
    for (const write of doomed) write.onFailed(failure);
    this.onLogFailure(failure);
  }

  /** Resolves once no batch is being written (at shutdown, before the log is closed). */
  async idle(): Promise<void> {
    while (this.inFlight || this.scheduled) await new Promise((r) => setTimeout(r, 1));
  }

  /** After the operator fixed the disk (and the log recovered), accept writes again. */
  resume(): void {
    this.failure = null;
  }
}
