/**
 * Stuck links: after a partition heals, a TCP connection may sit in retransmission backoff
 * for many seconds while looking connected. A member notes when each peer last sent it
 * anything; a peer it should be hearing from (every member, if it leads; else the leader)
 * that has been silent for an election timeout on an old connection gets a fresh one.
 * Fresh connections are left alone: redialling them would keep both ends churning while
 * each waits for the other's first message.
 */
import type { Logger } from 'pino';
import type { NodeId } from '../consensus/index.js';

export interface LinkControl {
  /** When our connection to `id` was made, or null when it is not connected. */
  connectedSince(id: NodeId): number | null;
  redial(id: NodeId): void;
}

export class LinkHealth {
  private readonly lastHeard = new Map<NodeId, number>();
  private readonly lastRedial = new Map<NodeId, number>();
  constructor(
    private readonly logger: Logger,
    private readonly startedAt: number,
  ) {}

  heard(from: NodeId, now: number): void {
    this.lastHeard.set(from, now);
  }

  /** Redials every peer in `expected` whose old link has been silent for `staleMs`. */
  check(expected: readonly NodeId[], links: LinkControl, staleMs: number, now: number): void {
    for (const id of expected) {
      const since = links.connectedSince(id);
      if (since === null || now - since < staleMs) continue;
      const heard = this.lastHeard.get(id) ?? this.startedAt;
      if (now - heard < staleMs || now - (this.lastRedial.get(id) ?? 0) < staleMs) continue;
      this.lastRedial.set(id, now);
      this.logger.info({ peer: id, silentMs: now - heard }, 'peer silent; redialling');
      links.redial(id);
    }
  }
}
