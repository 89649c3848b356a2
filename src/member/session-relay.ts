/**
 * Session liveness in an ensemble: only the leader expires sessions, but clients ping
 * whichever member they are connected to. Each follower notes the sessions it heard from
 * and relays their ids to the leader every half tick; the leader renews their timeouts.
 */
import type { SessionId } from '../protocol/records.js';
import type { SessionTracker } from '../server/session-tracker.js';
import { touchSessionsMax } from '../util/limits.js';

/** Distinct sessions noted between two relays; past this, relays are split anyway. */
const notedMax = touchSessionsMax * 10;

export class SessionRelay {
  private readonly touched = new Set<SessionId>();

  /** A client of `id` was heard from here (followers only: the leader renews directly). */
  note(id: SessionId): void {
    if (this.touched.size < notedMax) this.touched.add(id);
  }

  /** The batches to send to the leader (each within touchSessionsMax); clears the notes. */
  take(): SessionId[][] {
    if (this.touched.size === 0) return [];
    const ids = [...this.touched];
    this.touched.clear();
    const batches: SessionId[][] = [];
    for (let i = 0; i < ids.length; i += touchSessionsMax) {
      batches.push(ids.slice(i, i + touchSessionsMax));
    }
    return batches;
  }

  /** Leader: renews the sessions a follower relayed (unknown ids are ignored). */
  static renew(sessions: SessionTracker, ids: readonly SessionId[], now: number): void {
    for (const id of ids) {
      const session = sessions.get(id);
      if (session !== undefined) sessions.touch(session, now);
    }
  }
}
