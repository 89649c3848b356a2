/**
 * The watches of sessions whose connection closed (or which closed) go a slice a turn,
 * watchesDroppedPerTurnMax at most: thousands of clients leaving at once, or 100 sessions of
 * 10k watches closing in one Ready, held the loop for 100-480 ms when removed in one go.
 *
 * Meanwhile such a session gets no notification (it has no connection; a watch that fires is
 * consumed as if it had been removed), and a session that attaches again first loses what is
 * left of its old watches, in one go, before it sets any new one.
 */
import type { SessionId } from '../protocol/records.js';
import type { WatchManager } from '../tree/watch-manager.js';
import { watchesDroppedPerTurnMax } from '../util/limits.js';
import type { Runtime } from '../util/runtime.js';

export class WatchDrops {
  /** Sessions whose watches are still to go, first dropped first. */
  private readonly pending = new Set<SessionId>();
  private scheduled = false;

  constructor(
    private readonly watches: () => WatchManager,
    private readonly runtime: Runtime,
  ) {}

  /** Sessions with watches still to remove. */
  get size(): number {
    return this.pending.size;
  }

  /** The session's watches go, from the end of this turn on. */
  drop(sessionId: SessionId): void {
    this.pending.add(sessionId);
    this.schedule();
  }

  /** What is left of the session's watches goes now (it attaches again). */
  now(sessionId: SessionId): void {
    if (this.pending.delete(sessionId)) this.watches().removeSession(sessionId);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.runtime.soon(() => {
      this.scheduled = false;
      this.slice();
    });
  }

  private slice(): void {
    const watches = this.watches();
    let budget = watchesDroppedPerTurnMax;
    for (const id of this.pending) {
      const removed = watches.removeSessionSome(id, budget);
      if (removed < budget) this.pending.delete(id);
      budget -= removed;
      if (budget <= 0) break;
    }
    if (this.pending.size > 0) this.schedule();
  }
}
