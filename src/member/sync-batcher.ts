/**
 * Syncs (and linearizable reads) wait for a barrier entry of their own to be applied here:
 * once it is, this member has applied everything the leader had committed when the sync
 * arrived. One barrier serves every sync that arrived before it was sent; syncs arriving
 * while it is in flight share the next one, so a read-heavy load costs one log entry per
 * round trip, not one per read.
 */
import { syncWaitersMax } from '../util/limits.js';

type SyncDone = (ok: boolean) => void;

export class SyncBatcher {
  private inFlight: SyncDone[] | null = null;
  private next: SyncDone[] = [];

  /** @param sendBarrier submits a barrier; its callback says whether it was applied here. */
  constructor(private readonly sendBarrier: (done: (ok: boolean) => void) => void) {}

  get waiting(): number {
    return (this.inFlight?.length ?? 0) + this.next.length;
  }

  add(done: SyncDone): void {
    if (this.waiting >= syncWaitersMax) return done(false);
    this.next.push(done);
    if (this.inFlight === null) this.start();
  }

  private start(): void {
    const batch = this.next;
    this.next = [];
    this.inFlight = batch;
    this.sendBarrier((ok) => {
      this.inFlight = null;
      for (const done of batch) done(ok);
      if (this.next.length > 0) this.start();
    });
  }
}
