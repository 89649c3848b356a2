/**
 * A member without a leader. A short election is normal and writes simply wait for it; but
 * if no leader appears within the grace period, this member cannot serve: it says so
 * (`leaderless`), and its host drops its clients so that they find a server that can, or,
 * in read-only mode, serves reads only until a leader is back.
 */
import type { NodeId } from '../consensus/index.js';
import type { Runtime, Timer } from '../util/runtime.js';

export interface LeaderlessHost {
  /** The leader we know of now (0: none). */
  leader(): NodeId;
  stopped(): boolean;
  /** The grace period passed without a leader. */
  onLeaderless(): void;
  /** A leader is back after a leaderless spell. */
  onLeaderBack(wasReadOnly: boolean): void;
}

/** How often a leaderless member looks for its leader's return. */
const backPollMs = 20;

export class LeaderlessWatch {
  private isLeaderless = false;
  private timer: Timer | null = null;

  constructor(
    private readonly graceMs: number,
    private readonly readOnlyModeEnabled: boolean,
    private readonly runtime: Runtime,
    private readonly host: LeaderlessHost,
  ) {}

  get leaderless(): boolean {
    return this.isLeaderless;
  }

  /** Serving reads only (readonlymode.enabled and no leader past the grace period). */
  get readOnly(): boolean {
    return this.isLeaderless && this.readOnlyModeEnabled && !this.host.stopped();
  }

  /** The leader is gone: start the grace period (once). */
  noLeader(): void {
    if (this.timer !== null) return;
    this.timer = this.runtime.after(this.graceMs, () => {
      this.timer = null;
      if (this.host.stopped() || this.host.leader() !== 0) return;
      this.isLeaderless = true;
      this.host.onLeaderless();
      const back = this.runtime.every(backPollMs, () => {
        if (!this.host.stopped() && this.host.leader() === 0) return;
        const wasReadOnly = this.readOnly;
        this.isLeaderless = false;
        back.cancel();
        this.host.onLeaderBack(wasReadOnly);
      });
    });
  }
}
