/**
 * Logged-in browsers: an unguessable cookie token → its client session and CSRF token. Bounded
 * in number (warren.dashboard.sessionsMax) and in idle time; a logout, an idle sweep, an
 * expired client session or the server's shutdown closes the client session.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Login } from './dashboard-login.js';
import { dashboardIdleMs } from './dashboard-limits.js';

export interface DashboardSession {
  readonly login: Login;
  readonly csrf: string;
  lastUsed: number;
}

const token = (): string => randomBytes(24).toString('base64url');

export class DashboardSessions {
  private readonly sessions = new Map<string, DashboardSession>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly max: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => void this.sweep(), 30_000);
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  get full(): boolean {
    return this.sessions.size >= this.max;
  }

  /** Keeps a login; returns its cookie token. */
  add(login: Login): { id: string; session: DashboardSession } {
    const id = token();
    const session = { login, csrf: token(), lastUsed: this.now() };
    this.sessions.set(id, session);
    login.client.on('expired', () => void this.remove(id));
    login.client.on('closed', () => {
      login.release();
      this.sessions.delete(id);
    });
    return { id, session };
  }

  /** The session for a cookie token, unless it is unknown or idle too long. */
  find(id: string | undefined): DashboardSession | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    if (this.now() - session.lastUsed > dashboardIdleMs) {
      void this.remove(id);
      return undefined;
    }
    session.lastUsed = this.now();
    return session;
  }

  async remove(id: string): Promise<void> {
    const session = this.sessions.get(id);
    this.sessions.delete(id);
    session?.login.release();
    await session?.login.client.close();
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.keys()].map((id) => this.remove(id)));
  }

  private async sweep(): Promise<void> {
    const idle = [...this.sessions].filter(([, s]) => this.now() - s.lastUsed > dashboardIdleMs);
    await Promise.all(idle.map(([id]) => this.remove(id)));
  }
}

export function csrfMatches(session: DashboardSession, header: string | string[] | undefined) {
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header);
  const expected = Buffer.from(session.csrf);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
