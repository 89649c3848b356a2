/**
 * The leader's view of one follower (Raft §5.3 nextIndex/matchIndex), plus the flow state
 * that decides how eagerly to send:
 * - probe: next is a guess; send one append and wait for its answer before sending more.
 * - replicate: next is known good; stream appends, bounded by the inflights caps.
 * - snapshot: the follower needs a snapshot; send nothing until it is installed or fails.
 * Invariant: match < next.
 */
import { assert, fail } from '../util/assert.js';
import { Inflights } from './inflights.js';
import type { Index } from './types.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match: Index = 0;
  next: Index;
  state: ProgressState = 'probe';
  /** In snapshot state, the index of the snapshot being sent. */
  pendingSnapshot: Index = 0;
  /** Heard from since the last check-quorum round (the leader itself always is). */
  recentActive = false;
  /** In probe state: an append went out and its answer has not come back. */
  probeSent = false;
  readonly inflights: Inflights;

  constructor(next: Index, inflightMessagesMax: number, inflightBytesMax: number) {
    this.next = next;
    this.inflights = new Inflights(inflightMessagesMax, inflightBytesMax);
  }

  becomeProbe(): void {
    // After a snapshot, the follower has at least the snapshot's entries.
    const floor = this.state === 'snapshot' ? Math.max(this.match, this.pendingSnapshot) : 0;
    this.reset('probe');
    this.next = Math.max(this.match, floor) + 1;
  }

  becomeReplicate(): void {
    this.reset('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: Index): void {
    this.reset('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** Bookkeeping after an append carrying `count` entries (`bytes` of them) was sent. */
  sentAppend(count: number, bytes: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next += count;
        this.inflights.add(this.next - 1, bytes);
      }
    } else {
      assert(this.state === 'probe', 'sentAppend in snapshot state');
      this.probeSent = true;
    }
  }

  /** An ack up to `index` arrived; returns whether match moved. */
  maybeUpdate(index: Index): boolean {
    const updated = index > this.match;
    if (updated) {
      this.match = index;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    this.checkInvariant();
    return updated;
  }

  /**
   * The follower rejected an append at `rejected` and hinted its log may match up to
   * `matchHint`. Returns false when the rejection is stale (answers an older append).
   */
  maybeDecrTo(rejected: Index, matchHint: Index): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    this.checkInvariant();
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  private reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  private checkInvariant(): void {
    if (this.match >= this.next) fail(`progress: match ${this.match} >= next ${this.next}`);
  }
}
