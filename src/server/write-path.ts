/**
 * How the client-facing server gets a write made durable and applied, without knowing
 * whether it runs alone (a local group-commit log) or in an ensemble (Raft). Either way the
 * path applies each txn to the tree, calls the server's `onApplied` hook for every txn (any
 * origin: watches, session bookkeeping), and only then the submitter's `done`.
 */
import type { Txn } from '../tree/txn.js';
import type { ApplyResult } from '../tree/apply.js';
import type { DataTree } from '../tree/data-tree.js';
import type { WriteInput } from '../replication/write-input.js';
import type { Id, SessionId } from '../protocol/records.js';
import type { ReconfigRequest } from '../protocol/requests.js';
import type { RaftOperations } from './raft-operations.js';

export type WriteOutcome =
  | { ok: true; txn: Txn; result: ApplyResult }
  /** The write will not be answered: its outcome is unknown to the client. */
  | { ok: false; error: Error };

export type WriteDone = (outcome: WriteOutcome) => void;

/** What the server shows in srvr/stat/mntr about its place in the ensemble. */
export interface PathStatus {
  mode: 'standalone' | 'leader' | 'follower' | 'observer' | 'read-only';
  /** Extra mntr lines (name without the zk_ prefix, value). */
  metrics: [string, string | number][];
}

export interface WritePathHost {
  /** The tree now in force (an ensemble member may replace it with a leader's snapshot). */
  tree: DataTree;
  /** Every applied txn, before its submitter's `done`. */
  onApplied(txn: Txn, result: ApplyResult): void;
}

export interface WritePath {
  /** The error code to refuse a write with right now, or null when writes are taken. */
  refusal(): number | null;
  /** Takes a write; `done` follows the host's onApplied for its txn, or reports a failure. */
  submit(input: WriteInput, done?: WriteDone): void;
  /**
   * Calls `done(true)` once this server has applied everything committed when it was called
   * (ZooKeeper's sync), or `done(false)` when that cannot be known (no leader).
   */
  sync(done: (ok: boolean) => void): void;
  /**
   * A client's reconfig (ensembles only): resolves with the error code, 0 once the new
   * configuration is in /zookeeper/config and in force. Absent: reconfig is not supported.
   */
  reconfig?(req: ReconfigRequest, sessionId: SessionId, ids: readonly Id[]): Promise<number>;
  /**
   * True while an ensemble member without a quorum serves reads only (readonlymode.enabled):
   * it then takes only clients that allow read-only and gives new ones local sessions.
   */
  readOnly?(): boolean;
  /** Snapshot now, log indexes, leadership moves (csnp, lgif, rqld, ydld); absent: none. */
  readonly operations?: RaftOperations;
  /** Whether this server should run session expiry and container reaping (the leader). */
  readonly leads: boolean;
  status(): PathStatus;
  /** Resolves once nothing is being written (at shutdown). */
  idle(): Promise<void>;
}
