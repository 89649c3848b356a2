/**
 * The AdminServer's `restore` on a running member (ZooKeeper 3.9's restoreFromSnapshot, made
 * durable): an uploaded snapshot (what `snapshot?streaming=true` and `warren backup` give) is
 * verified whole, then becomes this member's state as a Raft snapshot at the next log index,
 * in the current term and with the current membership. The Raft store installs it as it
 * installs a leader's snapshot on a follower (staged, fsynced, renamed, log dropped), so a
 * restart recovers the restored tree, and learners receive it as any snapshot.
 *
 * Only the only voter does it: it is the whole quorum, so the new state is committed the
 * moment it is durable. On an ensemble the restored state would have to be committed by a
 * quorum before any member adopts it, which needs a replicated restore entry Warren does not
 * have; an ensemble is restored through its first member (docs/operations.md).
 *
 * Clients: the tree's sessions are those of the backup (fresh timeouts); every connection is
 * closed (server.replaceTree), so a client whose session the backup lacks learns it expired
 * and a client whose session it has re-registers its watches against the restored tree.
 */
import type { Logger } from 'pino';
import type { Membership, RaftNode } from '../consensus/index.js';
import type { Replica } from '../replication/replica.js';
import { decodeRaftSnapshot, encodeRaftSnapshot } from '../storage/raft-snapshot-files.js';
import type { DataTree } from '../tree/data-tree.js';
import { CONFIG_PATH } from '../tree/path.js';
import { beginSnapshot, loadSnapshot } from '../tree/snapshot-codec.js';
import { restoreInstallMs, restoreRetryMs, restoreTriesMax } from '../util/limits.js';
import type { Runtime } from '../util/runtime.js';
import type { RaftDriver } from './raft-driver.js';
import type { SnapshotPolicy } from './snapshot-policy.js';

export interface RestoreHost {
  readonly selfId: number;
  readonly node: RaftNode;
  readonly replica: Replica;
  readonly driver: RaftDriver;
  readonly snapshots: SnapshotPolicy;
  readonly runtime: Runtime;
  readonly logger: Logger;
  membership(): Membership;
  /** Why this member cannot act now (stopped, failed storage), or null. */
  blocked(): string | null;
}

export interface RestoreDone {
  readonly ok: true;
  /** The log index (and zxid) the restored state has now. */
  readonly index: number;
  /** The index the backup was taken at. */
  readonly backupIndex: number;
  readonly nodes: number;
  readonly sessions: number;
}

/** `status` is the HTTP status the refusal deserves. */
export interface RestoreRefused {
  readonly ok: false;
  readonly status: number;
  readonly reason: string;
}

export type RestoreOutcome = RestoreDone | RestoreRefused;

const refused = (status: number, reason: string): RestoreRefused => ({ ok: false, status, reason });

export class OnlineRestore {
  private running = false;

  constructor(private readonly host: RestoreHost) {}

  /** Why a restore cannot run here at all, or null (checked before reading an upload). */
  refusal(): RestoreRefused | null {
    if (this.running) return refused(409, 'a restore is already running here');
    return this.cannotAct();
  }

  private cannotAct(): RestoreRefused | null {
    const { host } = this;
    const blocked = host.blocked();
    if (blocked !== null) return refused(503, `this member cannot restore: ${blocked}`);
    const { voters } = host.membership();
    if (voters.length !== 1 || voters[0] !== host.selfId) {
      return refused(
        409,
        'restore online needs a server that is the only voter (standalone, or an ensemble ' +
          'shrunk to one member): on an ensemble the restored state would have to be ' +
          'committed by a quorum first, which Warren cannot do online. Restore the first ' +
          'member offline with `warren restore` and let the others join it ' +
          '(docs/operations.md, "Backup and restore").',
      );
    }
    if (!host.replica.acceptingWrites()) {
      return refused(503, 'this member is not leading yet; retry');
    }
    return null;
  }

  async restore(upload: Buffer): Promise<RestoreOutcome> {
    const early = this.refusal();
    if (early !== null) return early;
    let checked: { tree: DataTree; backupIndex: number };
    try {
      checked = verifyUpload(upload);
    } catch (error) {
      return refused(400, (error as Error).message);
    }
    this.running = true;
    try {
      await this.host.snapshots.settle();
      return await this.install(checked.tree, checked.backupIndex);
    } finally {
      this.running = false;
    }
  }

  /** Hands the core the new state, retrying while writes are in flight, then waits for it. */
  private async install(tree: DataTree, backupIndex: number): Promise<RestoreOutcome> {
    let outcome: number | string = 'not tried';
    for (let tries = 0; tries < restoreTriesMax; tries++) {
      const now = this.cannotAct();
      if (now !== null) return now;
      outcome = await this.offer(tree);
      if (typeof outcome === 'number') break;
      if (!outcome.endsWith('retry')) return refused(409, outcome);
      await this.sleep(restoreRetryMs);
    }
    if (typeof outcome !== 'number') {
      return refused(503, `writes kept arriving (${outcome}); retry when the server is quieter`);
    }
    const index = outcome;
    const deadline = this.host.runtime.now() + restoreInstallMs;
    while (this.host.replica.applied < index) {
      const blocked = this.host.blocked();
      if (blocked !== null) return refused(500, `the restore did not finish: ${blocked}`);
      if (this.host.runtime.now() > deadline) {
        return refused(
          500,
          `the restored snapshot was not installed within ${restoreInstallMs} ms`,
        );
      }
      await this.sleep(10);
    }
    const installed = this.host.replica.tree;
    this.host.logger.warn(
      { index, backupIndex, nodes: installed.nodeCount, sessions: installed.sessions.size },
      'restored the tree from an uploaded snapshot (AdminServer restore)',
    );
    return {
      ok: true,
      index,
      backupIndex,
      nodes: installed.nodeCount,
      sessions: installed.sessions.size,
    };
  }

  /** Between two Readies: the snapshot at lastIndex + 1; its index, or why the core refused. */
  private offer(tree: DataTree): Promise<number | string> {
    const { node, driver, replica } = this.host;
    return new Promise((resolve) => {
      driver.run(() => {
        const index = node.lastIndex() + 1;
        const meta = { index, term: node.status().term, membership: node.membership() };
        keepCurrentConfig(tree, replica.tree);
        // Zxids go on from the log index: a client that saw a later zxid may reconnect.
        tree.lastZxid = index;
        const image = beginSnapshot(tree);
        let data: Buffer;
        try {
          data = encodeRaftSnapshot(meta, image.records);
        } finally {
          image.abandon();
        }
        const reason = node.restoreAlone({ meta, data });
        resolve(reason ?? index);
      });
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.host.runtime.after(ms, resolve));
  }
}

/**
 * The upload read as a Raft snapshot file: every checksum, the meta record, a tree that loads
 * and has the digest its header claims. Throws a sentence saying what is wrong.
 */
export function verifyUpload(upload: Buffer): { tree: DataTree; backupIndex: number } {
  if (upload.length === 0) throw new Error('the upload is empty: POST the snapshot file');
  let contents;
  try {
    contents = decodeRaftSnapshot(upload, 'the uploaded snapshot');
  } catch (error) {
    throw new Error(
      `${(error as Error).message} (damaged or truncated: upload the file \`warren backup\` ` +
        'or `snapshot?streaming=true` wrote, unchanged)',
      { cause: error },
    );
  }
  let tree: DataTree;
  try {
    tree = loadSnapshot(contents.records);
  } catch (error) {
    throw new Error(`the uploaded snapshot's tree does not load: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const computed = tree.computeDigest();
  if (computed !== tree.digest) {
    throw new Error(
      `the uploaded snapshot's tree has digest 0x${computed.toString(16)}, its header says ` +
        `0x${tree.digest.toString(16)}`,
    );
  }
  return { tree, backupIndex: contents.meta.index };
}

/**
 * /zookeeper/config names the servers of the ensemble the backup came from; this member's
 * own configuration stays (as `warren restore` empties it, so it names no stranger).
 */
function keepCurrentConfig(restored: DataTree, current: DataTree): void {
  const mine = current.get(CONFIG_PATH);
  const theirs = restored.get(CONFIG_PATH);
  if (mine === undefined || theirs === undefined || mine.data === theirs.data) return;
  restored.setData(CONFIG_PATH, mine.data, mine.version, mine.mzxid, mine.mtime);
}
