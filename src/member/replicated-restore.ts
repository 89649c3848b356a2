/**
 * The AdminServer's `restore` on an ensemble, run by its leader: the verified upload goes
 * into the log as chunk entries (restoreChunkBytes each, restoreWindowBytes in flight), then,
 * once a quorum has them all (applied here), one commit entry naming the chunk count, the
 * file's size, CRC32C and tree digest. Every member replaces its tree when it applies the
 * commit entry (replication/restore-apply.ts), so the restored state is committed state, in
 * the log and in later snapshots like any other; Raft's rule that a snapshot holds only
 * committed state is kept.
 *
 * The answer comes once the commit entry is applied here (committed by a quorum). If this
 * member stops leading before the commit entry is proposed, the chunks are dropped on every
 * member by the next term's first entry and nothing changes; after a failure while still
 * leading, an abort entry drops them at once.
 */
import { crc32c } from '@node-rs/crc32';
import type { Logger } from 'pino';
import type { RaftNode } from '../consensus/index.js';
import type { Replica } from '../replication/replica.js';
import type { RestoreApplied, RestoreProposal } from '../replication/restore-apply.js';
import type { DataTree } from '../tree/data-tree.js';
import {
  restoreChunkBytes,
  restoreInstallMs,
  restoreRetryMs,
  restoreWindowBytes,
} from '../util/limits.js';
import { sleepOn, type Runtime } from '../util/runtime.js';
import type { RaftDriver } from './raft-driver.js';
import { refused, type RestoreOutcome } from './restore-outcome.js';

export interface ReplicatedRestoreHost {
  readonly selfId: number;
  readonly node: RaftNode;
  readonly replica: Replica;
  readonly driver: RaftDriver;
  readonly runtime: Runtime;
  readonly logger: Logger;
  /** Why this member cannot act now (stopped, failed storage), or null. */
  blocked(): string | null;
}

/** How often the leader looks at what was applied while it waits. */
const pollMs = 5;

/** Why a run stopped early: the HTTP answer. */
class Stopped extends Error {
  constructor(readonly outcome: RestoreOutcome) {
    super(outcome.ok ? 'done' : outcome.reason);
  }
}

export class ReplicatedRestore {
  /** Commit outcomes applied here for restores this member proposed, by restore id. */
  private readonly outcomes = new Map<number, RestoreApplied>();
  private runningId = 0;

  constructor(private readonly host: ReplicatedRestoreHost) {}

  /** A restore's commit entry was applied here (ready-effects.ts). */
  onApplied(origin: number, restoreId: number, outcome: RestoreApplied): void {
    if (origin === this.host.selfId && restoreId === this.runningId) {
      this.outcomes.set(restoreId, outcome);
    }
  }

  async run(upload: Buffer, image: DataTree, backupIndex: number): Promise<RestoreOutcome> {
    const { runtime, node, logger } = this.host;
    const restoreId = 1 + runtime.randomInt(2 ** 48 - 1);
    const term = node.status().term;
    this.runningId = restoreId;
    const deadline = runtime.now() + restoreInstallMs;
    const chunks = Math.ceil(upload.length / restoreChunkBytes);
    logger.info(
      { restoreId, bytes: upload.length, chunks },
      'restore: writing the upload to the log',
    );
    let committing = false;
    try {
      await this.sendChunks(upload, restoreId, term, deadline);
      const commit = {
        restoreId,
        chunks,
        imageBytes: upload.length,
        imageCrc: crc32c(upload),
        treeDigest: image.digest,
      };
      committing = true;
      const at = await this.propose(
        { kind: 'restoreCommit', origin: this.host.selfId, requestId: restoreId, commit },
        term,
        deadline,
      );
      return await this.outcome(restoreId, at, backupIndex, deadline);
    } catch (error) {
      if (!(error instanceof Stopped)) throw error;
      if (!committing) this.abort(restoreId, term);
      return error.outcome;
    } finally {
      this.runningId = 0;
      this.outcomes.delete(restoreId);
    }
  }

  /** Proposes the chunks a window at a time, each window applied before the next goes. */
  private async sendChunks(upload: Buffer, restoreId: number, term: number, deadline: number) {
    const origin = this.host.selfId;
    let seq = 0;
    for (let offset = 0; offset < upload.length; ) {
      let last = 0;
      const windowEnd = Math.min(upload.length, offset + restoreWindowBytes);
      while (offset < windowEnd) {
        const bytes = upload.subarray(offset, Math.min(upload.length, offset + restoreChunkBytes));
        const chunk: RestoreProposal = {
          kind: 'restoreChunk',
          origin,
          requestId: 0,
          restoreId,
          seq,
          bytes,
        };
        last = await this.propose(chunk, term, deadline);
        offset += bytes.length;
        seq++;
      }
      await this.until(() => this.host.replica.applied >= last, term, deadline);
    }
  }

  /** Proposes one entry in the Ready loop, retrying while the log is full; its index. */
  private async propose(entry: RestoreProposal, term: number, deadline: number): Promise<number> {
    const { driver, replica } = this.host;
    for (;;) {
      this.check(term, deadline);
      const outcome = await new Promise<ReturnType<Replica['proposeRestore']>>((resolve) =>
        driver.run(() => resolve(replica.proposeRestore(entry))),
      );
      if (outcome.ok) return outcome.index;
      if (!outcome.retryable) throw new Stopped(refused(503, `restore: ${outcome.reason}`));
      await sleepOn(this.host.runtime, restoreRetryMs);
    }
  }

  /** Waits for the commit entry at `at` to be applied here. */
  private async outcome(
    restoreId: number,
    at: number,
    backupIndex: number,
    deadline: number,
  ): Promise<RestoreOutcome> {
    const { replica, runtime } = this.host;
    while (replica.applied < at) {
      const blocked = this.host.blocked();
      if (blocked !== null) return refused(500, `the restore did not finish: ${blocked}`);
      if (runtime.now() > deadline) {
        return refused(
          500,
          `the restore's commit entry was not applied within ${restoreInstallMs} ms: ` +
            'look at the members (lgif) before retrying',
        );
      }
      await sleepOn(runtime, pollMs);
    }
    const applied = this.outcomes.get(restoreId);
    if (applied === undefined) {
      return refused(
        503,
        'the leader changed before the restore was committed: nothing was restored; retry',
      );
    }
    if (!applied.ok) return refused(500, `the restore was not carried out: ${applied.reason}`);
    const tree = replica.tree;
    this.host.logger.warn(
      { index: at, backupIndex, nodes: tree.nodeCount, sessions: tree.sessions.size },
      'restored the tree from an uploaded snapshot on every member (AdminServer restore)',
    );
    return {
      ok: true,
      index: at,
      backupIndex,
      nodes: tree.nodeCount,
      sessions: tree.sessions.size,
    };
  }

  private async until(done: () => boolean, term: number, deadline: number): Promise<void> {
    while (!done()) {
      this.check(term, deadline);
      await sleepOn(this.host.runtime, pollMs);
    }
  }

  /** Throws Stopped when the run cannot go on: leadership lost, member stopped, too slow. */
  private check(term: number, deadline: number): void {
    const { replica, node, runtime } = this.host;
    const blocked = this.host.blocked();
    if (blocked !== null) throw new Stopped(refused(503, `restore stopped: ${blocked}`));
    if (!replica.isLeader || node.status().term !== term) {
      throw new Stopped(
        refused(503, 'leadership changed during the restore: nothing was restored; retry'),
      );
    }
    if (runtime.now() > deadline) {
      throw new Stopped(
        refused(
          503,
          `the chunks were not committed within ${restoreInstallMs} ms: nothing was restored`,
        ),
      );
    }
  }

  /** Best effort: still leading, drop the chunks on every member now (else the term does). */
  private abort(restoreId: number, term: number): void {
    const { driver, replica, node, logger, selfId } = this.host;
    driver.run(() => {
      if (!replica.isLeader || node.status().term !== term) return;
      const outcome = replica.proposeRestore({
        kind: 'restoreAbort',
        origin: selfId,
        requestId: 0,
        restoreId,
      });
      if (!outcome.ok)
        logger.warn({ restoreId, reason: outcome.reason }, 'restore: abort not proposed');
    });
  }
}
