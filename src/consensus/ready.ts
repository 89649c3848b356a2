/**
 * What the core hands the host after each batch of input, and the order the host must
 * follow. Per field, in this order:
 * 1. `snapshot`, `entries`, `hardState`: persist (fsync) all three. Entries replace any
 *    stored suffix from their first index on (a new leader overwrote it, §5.3).
 * 2. `messages` may be sent at any time, even before step 1 (the leader's appends can go out
 *    while it writes its own log, thesis §10.2.1). `messagesAfterPersist` (votes, vote and
 *    append acknowledgements) only after step 1: they promise what step 1 made durable.
 * 3. `snapshot` is loaded into the state machine, then `committedEntries` applied in order.
 *    The early-apply rule: when the Ready has no snapshot, `committedEntries` may be applied
 *    (and their clients answered) before or while step 1 runs, even those that are also in
 *    this Ready's `entries` (a follower can learn of an entry and of its commit in one
 *    message). Committed means a quorum holds them durably without counting this member's
 *    unpersisted copy (a leader counts its own only after advance()), so a crash before step
 *    1 completes loses only this copy, which the member gets back from the others. A Ready
 *    with a snapshot applies after loading it. The member's Ready loop (member/raft-driver.ts)
 *    does exactly this, in production and in every simulation.
 * 4. `advance()` acknowledges all of it. No other call may come between ready() and advance().
 */
import type { Message } from './messages.js';
import type { Entry, HardState, Snapshot, SoftState } from './types.js';

export interface Ready {
  /** Leader or role changed since the last Ready; volatile, for status and routing. */
  readonly softState: SoftState | undefined;
  /** Term, vote or commit changed since the last Ready; persist before messagesAfterPersist. */
  readonly hardState: HardState | undefined;
  /** New log entries to persist before messagesAfterPersist. */
  readonly entries: readonly Entry[];
  /** A snapshot from the leader to persist and load; the whole stored log is replaced. */
  readonly snapshot: Snapshot | undefined;
  /** Entries known committed, to apply in order once the above is durable. */
  readonly committedEntries: readonly Entry[];
  /** Messages that may be sent at once. */
  readonly messages: readonly Message[];
  /** Messages to send only after entries, hard state and snapshot are durable. */
  readonly messagesAfterPersist: readonly Message[];
}
