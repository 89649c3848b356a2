/**
 * The web dashboard (warren.dashboard.enable, with admin.enableServer): a page and its script
 * under /dashboard on the AdminServer's port, and the JSON API the page calls. Everything
 * else on that port stays the AdminServer's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConnectionOptions } from 'node:tls';
import type { ServerConfig } from '../config/config.js';
import type { ServedState } from '../metrics/served-state.js';
import { DashboardApi } from './dashboard-api.js';
import { DashboardSessions } from './dashboard-sessions.js';
import { sendJson } from './http-io.js';
import { DASHBOARD_ASSETS } from './web/assets.js';

export const DASHBOARD_PATH = '/dashboard';

/** The page may load only its own script and style, and no one may frame it. */
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export class Dashboard {
  private readonly api: DashboardApi;

  /** `clientTls`: the client port's TLS options (dashboard-login.ts), null without one. */
  constructor(
    config: ServerConfig,
    state: ServedState,
    private readonly onError: (error: unknown) => void,
    clientTls: ConnectionOptions | null = null,
  ) {
    const sessions = new DashboardSessions(config.dashboardSessionsMax);
    const login = { config, server: state.server, clientTls };
    this.api = new DashboardApi(login, state, sessions);
  }

  /** The AdminServer's takeOver hook: true when the request is the dashboard's. */
  readonly takeOver = (request: IncomingMessage, response: ServerResponse): boolean => {
    const url = new URL(request.url ?? '/', 'http://warren');
    const path = url.pathname;
    if (path !== DASHBOARD_PATH && !path.startsWith(`${DASHBOARD_PATH}/`)) return false;
    void this.serve(request, response, path.slice(DASHBOARD_PATH.length), url.searchParams).catch(
      (error: unknown) => {
        this.onError(error);
        if (!response.headersSent) sendJson(response, 500, { error: 'internal', message: '' });
        else response.destroy();
      },
    );
    return true;
  };

  async close(): Promise<void> {
    await this.api.sessions.closeAll();
  }

  private async serve(
    request: IncomingMessage,
    response: ServerResponse,
    rest: string,
    query: URLSearchParams,
  ): Promise<void> {
    if (rest.startsWith('/api/')) {
      return this.api.serve(request, response, rest.slice('/api/'.length), query);
    }
    request.resume();
    if (rest === '') {
      response.writeHead(302, { Location: `${DASHBOARD_PATH}/` });
      return void response.end();
    }
    const asset = DASHBOARD_ASSETS.get(rest === '/' ? '/index.html' : rest);
    if (asset === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return sendJson(response, 404, { error: 'notFound', message: `no ${rest}` });
    }
    response.writeHead(200, {
      ...PAGE_HEADERS,
      'Content-Type': asset.contentType,
      'Content-Length': Buffer.byteLength(asset.body),
      'Cache-Control': 'no-cache',
    });
    response.end(request.method === 'HEAD' ? '' : asset.body);
  }
}
