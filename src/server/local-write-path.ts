/**
 * The standalone write path: prepare each write against the tree plus the pending overlay,
 * then group-commit it to the local log (commit-pipeline.ts) and apply it after the fsync.
 * A failed log refuses writes with NotReadOnly and is probed until it recovers.
 */
import type { Logger } from 'pino';
import { Err } from '../protocol/error-codes.js';
import type { WriteInput } from '../replication/write-input.js';
import type { DataTree } from '../tree/data-tree.js';
import { Overlay } from '../tree/overlay.js';
import { prepareCloseSession, prepareReap, prepareWrite } from '../tree/prepare.js';
import type { Txn } from '../tree/txn.js';
import { logRecoveryIntervalMs } from '../util/limits.js';
import { CommitPipeline, type TxnLog } from './commit-pipeline.js';
import type { PathStatus, WriteDone, WritePath, WritePathHost } from './write-path.js';

export interface LocalWritePathOptions {
  host: WritePathHost;
  log: TxnLog;
  logger: Logger;
  extendedTypesEnabled: boolean;
  /** After a log failure: try to make the log writable again (true = writes may resume). */
  tryRecoverLog?: () => Promise<boolean>;
}

export class LocalWritePath implements WritePath {
  readonly leads = true;
  readonly overlay: Overlay;
  readonly pipeline: CommitPipeline;
  private nextZxid: number;
  private retry: NodeJS.Timeout | null = null;
  private readonly tree: DataTree;

  constructor(private readonly options: LocalWritePathOptions) {
    this.tree = options.host.tree;
    this.overlay = new Overlay(this.tree);
    this.nextZxid = this.tree.lastZxid + 1;
    this.pipeline = new CommitPipeline(this.tree, this.overlay, options.log, (e) =>
      this.onLogFailure(e),
    );
  }

  refusal(): number | null {
    return this.pipeline.failure === null ? null : Err.notReadOnly;
  }

  submit(input: WriteInput, done?: WriteDone): void {
    if (this.pipeline.failure !== null) {
      done?.({ ok: false, error: this.pipeline.failure });
      return;
    }
    const txn = this.prepare(input);
    if (txn === null) return;
    this.pipeline.submit({
      txn,
      onApplied: (result) => {
        this.options.host.onApplied(txn, result);
        done?.({ ok: true, txn, result });
      },
      onFailed: (error) => done?.({ ok: false, error }),
    });
  }

  private prepare(input: WriteInput): Txn | null {
    const time = Date.now();
    switch (input.type) {
      case 'request':
        return prepareWrite(input.request, this.overlay, {
          zxid: this.nextZxid++,
          time,
          sessionId: input.sessionId,
          ids: input.ids,
          extendedTypesEnabled: this.options.extendedTypesEnabled,
        });
      case 'createSession':
        return {
          zxid: this.nextZxid++,
          time,
          sessionId: 0n,
          body: {
            type: 'createSession',
            sessionId: input.sessionId,
            timeoutMs: input.timeoutMs,
            passwd: input.passwd,
          },
        };
      case 'closeSession': {
        const committed = this.tree.ephemerals.get(input.sessionId) ?? [];
        const ctx = { zxid: this.nextZxid++, time };
        return prepareCloseSession(input.sessionId, committed, this.overlay, ctx);
      }
      case 'reap': {
        const ctx = { zxid: this.nextZxid, time, sessionId: 0n, ids: [] };
        const txn = prepareReap(input.path, this.overlay, { ...ctx, extendedTypesEnabled: true });
        if (txn !== null) this.nextZxid++;
        return txn;
      }
      case 'barrier':
      case 'setConfig':
        // Standalone servers have no ensemble configuration to change.
        return null;
    }
  }

  sync(done: (ok: boolean) => void): void {
    // Alone, the applied tree is the commit point; the session's own writes came first.
    done(true);
  }

  status(): PathStatus {
    const p = this.pipeline;
    return {
      mode: 'standalone',
      metrics: [
        ['commit_batches', p.batches],
        ['last_commit_batch_size', p.lastBatchSize],
        ['pending_writes', p.pending],
        ['log_failed', p.failure === null ? 0 : 1],
      ],
    };
  }

  async idle(): Promise<void> {
    if (this.retry !== null) clearInterval(this.retry);
    this.retry = null;
    await this.pipeline.idle();
  }

  private onLogFailure(error: Error): void {
    this.options.logger.error(
      { err: error },
      'the transaction log failed: refusing writes until this is fixed (reads still served)',
    );
    // Prepared-but-failed txns never applied: their zxids are free again.
    this.nextZxid = this.tree.lastZxid + 1;
    const tryRecover = this.options.tryRecoverLog ?? (() => Promise.resolve(false));
    this.retry = setInterval(() => {
      tryRecover().then(
        (ok) => {
          if (!ok || this.pipeline.failure === null) return;
          if (this.retry !== null) clearInterval(this.retry);
          this.retry = null;
          this.nextZxid = this.tree.lastZxid + 1;
          this.pipeline.resume();
          this.options.logger.warn('the transaction log is writable again: accepting writes');
        },
        (e: unknown) => this.options.logger.error({ err: e }, 'log recovery attempt failed'),
      );
    }, logRecoveryIntervalMs);
    this.retry.unref();
  }
}
