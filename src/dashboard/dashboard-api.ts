/**
 * The dashboard's JSON API under /dashboard/api/: login and logout, then tree operations as
 * the logged-in user, and the cluster, sessions/watches and stats views. Every request but
 * login needs the session cookie; every one that changes something also needs the CSRF token
 * (header X-Warren-Csrf) that login handed out, and a same-origin Origin when one is sent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ServedState } from '../metrics/served-state.js';
import { apiError } from './api-errors.js';
import { clusterView, sessionsAndWatches } from './cluster-api.js';
import { dashboardLoginsPerMinute } from './dashboard-limits.js';
import { logIn, type LoginContext } from './dashboard-login.js';
import { csrfMatches, DashboardSessions, type DashboardSession } from './dashboard-sessions.js';
import { cookie, HttpError, readJson, sendJson } from './http-io.js';
import { statsSample } from './stats-api.js';
import { createNode, deleteNode, listChildren, readNode, setNodeData } from './tree-api.js';

export const SESSION_COOKIE = 'warren_dashboard';
const CSRF_HEADER = 'x-warren-csrf';

type Route = (session: DashboardSession, query: URLSearchParams, body: unknown) => Promise<object>;

export class DashboardApi {
  private loginsThisMinute = 0;
  private minute = 0;
  private readonly reads: Record<string, Route>;
  private readonly writes: Record<string, Route>;

  constructor(
    private readonly login: LoginContext,
    state: ServedState,
    readonly sessions: DashboardSessions,
  ) {
    const client = (s: DashboardSession) => s.login.client;
    this.reads = {
      'GET session': (s) => Promise.resolve({ csrf: s.csrf, ids: s.login.ids }),
      'GET children': (s, q) => listChildren(client(s), q),
      'GET node': (s, q) => readNode(client(s), q),
      'GET cluster': () => clusterView(state),
      'GET sessions': () => Promise.resolve(sessionsAndWatches(state)),
      'GET stats': () => Promise.resolve(statsSample(state)),
    };
    this.writes = {
      'POST node': (s, _q, b) => createNode(client(s), b),
      'PUT node': (s, _q, b) => setNodeData(client(s), b),
      'DELETE node': (s, _q, b) => deleteNode(client(s), b),
      'POST logout': () => Promise.resolve({ loggedOut: true }),
    };
  }

  async serve(
    request: IncomingMessage,
    response: ServerResponse,
    name: string,
    query: URLSearchParams,
  ): Promise<void> {
    const key = `${request.method ?? 'GET'} ${name}`;
    const id = cookie(request, SESSION_COOKIE);
    try {
      if (key === 'POST login') return await this.logIn(request, response);
      const write = this.writes[key];
      const route = this.reads[key] ?? write;
      if (route === undefined) {
        request.resume();
        throw new HttpError(404, `no such API: ${key}`, 'notFound');
      }
      const session = this.sessions.find(id);
      if (session === undefined) {
        request.resume();
        throw new HttpError(401, 'log in first', 'notLoggedIn');
      }
      if (write !== undefined) {
        checkSameOrigin(request);
        if (!csrfMatches(session, request.headers[CSRF_HEADER])) {
          request.resume();
          throw new HttpError(403, 'missing or wrong CSRF token', 'csrf');
        }
      }
      const body = write !== undefined && key !== 'POST logout' ? await readJson(request) : null;
      const answer = await route(session, query, body);
      if (key === 'POST logout' && id !== undefined) {
        await this.sessions.remove(id);
        return sendJson(response, 200, answer, { 'Set-Cookie': clearCookie() });
      }
      sendJson(response, 200, answer);
    } catch (error) {
      const mapped = apiError(error);
      if (mapped === null) throw error;
      if (mapped.sessionGone && id !== undefined) await this.sessions.remove(id);
      sendJson(response, mapped.status, { error: mapped.code, message: mapped.message });
    }
  }

  private async logIn(request: IncomingMessage, response: ServerResponse): Promise<void> {
    checkSameOrigin(request);
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== this.minute) [this.minute, this.loginsThisMinute] = [minute, 0];
    if (++this.loginsThisMinute > dashboardLoginsPerMinute) {
      request.resume();
      throw new HttpError(429, 'too many logins this minute; wait', 'rateLimited');
    }
    if (this.sessions.full) {
      request.resume();
      const max = this.sessions.max;
      throw new HttpError(503, `${max} dashboard users are logged in already`, 'tooManySessions');
    }
    const login = await logIn(this.login, request, await readJson(request));
    if (this.sessions.full) {
      login.release();
      await login.client.close();
      throw new HttpError(503, 'too many dashboard users are logged in', 'tooManySessions');
    }
    const { id, session } = this.sessions.add(login);
    // Over HTTPS the browser must never send the cookie over plain HTTP (portUnification).
    const secure = (request.socket as TLSSocket).encrypted === true ? '; Secure' : '';
    const cookieValue = `${SESSION_COOKIE}=${id}; Path=/dashboard; HttpOnly; SameSite=Strict`;
    sendJson(
      response,
      200,
      { csrf: session.csrf, ids: login.ids, scheme: login.scheme },
      { 'Set-Cookie': cookieValue + secure },
    );
  }
}

function clearCookie(): string {
  return `${SESSION_COOKIE}=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0`;
}

/** A browser names the page's origin on cross-site requests; it must be this server. */
function checkSameOrigin(request: IncomingMessage): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    host = '';
  }
  if (host !== request.headers.host) {
    request.resume();
    throw new HttpError(403, 'cross-origin request refused', 'crossOrigin');
  }
}
