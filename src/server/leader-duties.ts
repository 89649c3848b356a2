/**
 * What only the leader does for the whole ensemble, on timers: expire sessions that fell
 * silent (a replicated closeSession each) and reap empty containers and expired TTL nodes.
 * Every member runs the timers; the write path says whether this one leads.
 */
import { reapDue } from '../tree/prepare.js';
import { Overlay } from '../tree/overlay.js';
import type { WarrenServer } from './server.js';

export class LeaderDuties {
  private lastExpiryCheck: number;

  constructor(private readonly server: WarrenServer) {
    this.lastExpiryCheck = server.runtime.now();
  }

  /** Leader only: sessions silent past their timeout are closed by a replicated txn. */
  expireSessions(): void {
    const server = this.server;
    const now = server.runtime.now();
    const gap = now - this.lastExpiryCheck;
    this.lastExpiryCheck = now;
    // This process was frozen (SIGSTOP, a long pause) or its clock jumped: its clients were
    // not the ones that fell silent. Start every session's timeout afresh rather than expire
    // them all.
    if (gap > Math.max(3 * server.config.tickTime, 1000) || gap < 0) {
      server.logger.warn({ pausedMs: gap }, 'this server was paused; renewing every session');
      return server.sessions.touchAll(now);
    }
    if (!server.writes.leads || server.writes.refusal() !== null) return;
    for (const session of server.sessions.expired(now)) {
      server.logger.info({ session: `0x${session.id.toString(16)}` }, 'session expired');
      session.closing = true;
      server.writes.submit({ type: 'closeSession', sessionId: session.id }, (outcome) => {
        if (!outcome.ok) session.closing = false;
      });
    }
  }

  /** Leader only: deletes due containers and TTL nodes, a bounded number per run. */
  reap(): void {
    const server = this.server;
    if (!server.writes.leads || server.writes.refusal() !== null) return;
    const { containerMaxPerMinute, containerCheckIntervalMs } = server.config;
    const perRun = Math.max(
      1,
      Math.floor((containerMaxPerMinute * containerCheckIntervalMs) / 60000),
    );
    const committed = new Overlay(server.tree);
    const now = server.runtime.now();
    let reaped = 0;
    for (const path of server.tree.reapable) {
      if (reaped >= perRun) break;
      if (!reapDue(committed.lookup(path), now)) continue;
      reaped++;
      server.writes.submit({ type: 'reap', path });
    }
  }
}
