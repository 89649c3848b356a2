/**
 * Identities the dashboard (same process) lends its own client sessions. A dashboard user
 * proves who they are on the AdminServer's port (an x509 certificate over HTTPS, or nothing
 * yet for digest and SASL, which the session then adds as any client does); the dashboard
 * issues a ticket holding those ids and its session sends it as `addAuth` with the scheme
 * below. The connection's own ids, its loopback address and any certificate it showed (the
 * server's own, on a TLS-only server), are replaced by the ticket's, so a dashboard user has
 * exactly their own identity. A ticket is 256 random bits, known only inside this process,
 * lives as long as the dashboard login (the client re-sends it on every reconnection), and
 * their number is capped.
 */
import { randomBytes } from 'node:crypto';
import type { Id } from '../protocol/records.js';
import { identityTicketsMax } from '../util/limits.js';

export const TICKET_SCHEME = 'warren-dashboard';

export interface Ticket {
  /** What the session sends as addAuth's auth bytes (utf8). */
  readonly token: string;
  /** Forgets the ticket: a connection sending it later fails to authenticate. */
  revoke(): void;
}

export class IdentityTickets {
  private readonly tickets = new Map<string, readonly Id[]>();

  /** A ticket for `ids`, or null when identityTicketsMax are out. */
  issue(ids: readonly Id[]): Ticket | null {
    if (this.tickets.size >= identityTicketsMax) return null;
    const token = randomBytes(32).toString('base64url');
    this.tickets.set(token, [...ids]);
    return { token, revoke: () => void this.tickets.delete(token) };
  }

  lookup(token: string): readonly Id[] | undefined {
    return this.tickets.get(token);
  }
}

// One set per server, kept beside it rather than in it: the dashboard issues, the request
// handler redeems, and nothing else needs to know.
const byServer = new WeakMap<object, IdentityTickets>();

export function ticketsOf(server: object): IdentityTickets {
  let tickets = byServer.get(server);
  if (tickets === undefined) {
    tickets = new IdentityTickets();
    byServer.set(server, tickets);
  }
  return tickets;
}
