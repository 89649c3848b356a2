/**
 * ZooKeeper's AdminServer over node:http (admin.enableServer): `<commandURL>` lists the
 * commands, `<commandURL>/<name>` answers one as JSON; `/ready` and `/live` are health
 * checks for orchestrators. Off by default in Warren (config-operations.ts says why).
 */
import type { IncomingMessage } from 'node:http';
import type { ServerConfig } from '../config/config.js';
import type { ServedState } from '../metrics/served-state.js';
import { authenticate } from '../server/auth.js';
import { tlsPeerIds } from '../server/tls-peer-ids.js';
import { hasPerm } from '../tree/acl.js';
import { Perm } from '../protocol/opcodes.js';
import type { Id } from '../protocol/records.js';
import { adminSnapshotIntervalMs } from '../util/limits.js';
import {
  jsonAnswer,
  startHttpListener,
  type HttpAnswer,
  type HttpListener,
  type HttpTls,
  type RawHandler,
} from '../util/http-listener.js';
import { ADMIN_COMMANDS, COMMAND_BY_NAME, type AdminCommand } from './admin-commands.js';
import { restoreAnswer } from './admin-restore.js';
import { snapshotAnswer } from './admin-snapshot.js';

export class AdminServer {
  private listener: HttpListener | null = null;
  private snapshotAt = -Infinity;

  constructor(
    private readonly config: ServerConfig,
    private readonly state: ServedState,
    /** admin.forceHttps / admin.portUnification (security/admin-tls.ts); null: plain HTTP. */
    private readonly tls: HttpTls | null = null,
  ) {}

  /** Whether this listener speaks HTTPS (the dashboard's session cookie is then Secure). */
  get https(): boolean {
    return this.tls !== null;
  }

  /** `takeOver` serves some requests on this port itself (the dashboard). */
  async start(onError: (error: unknown) => void, takeOver?: RawHandler): Promise<HttpListener> {
    const { adminServerAddress, adminServerPort, adminIdleTimeoutMs } = this.config;
    this.listener = await startHttpListener(
      adminServerAddress,
      adminServerPort,
      adminIdleTimeoutMs,
      (path, query, request) => this.answer(path, query, request),
      onError,
      (path) => path === `${this.config.adminCommandUrl.replace(/\/+$/, '')}/restore`,
      takeOver,
      this.tls ?? undefined,
    );
    return this.listener;
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.listener = null;
  }

  private async answer(
    path: string,
    query: URLSearchParams,
    request: IncomingMessage,
  ): Promise<HttpAnswer> {
    const base = this.config.adminCommandUrl.replace(/\/+$/, '');
    if (path === '/live') return jsonAnswer(200, { live: true });
    if (path === '/ready') return this.readiness();
    if (path === base || path === `${base}/`) return this.listing(base);
    if (!path.startsWith(`${base}/`)) return jsonAnswer(404, { error: `not found: ${path}` });
    const name = path.slice(base.length + 1);
    const command = COMMAND_BY_NAME.get(name);
    if (command === undefined) {
      return jsonAnswer(404, { command: name, error: `Unknown command: ${name}` });
    }
    const primary = command.names[0] ?? name;
    const caller = this.caller(command, name, request);
    if ('status' in caller) return caller;
    if (primary === 'restore') return restoreAnswer(this.state, request, caller.ids);
    if (primary === 'snapshot') {
      return snapshotAnswer(this.state, query.get('streaming') === 'true');
    }
    const result = await command.run(this.state);
    return jsonAnswer(200, { ...result, command: primary, error: null });
  }

  /**
   * The Authorization header's ids: `digest user:password` (and ZooKeeper's other schemes);
   * for `x509`, as in ZooKeeper, the scheme alone: the ids come from the HTTPS client's
   * verified certificate. Null when that does not authenticate.
   */
  private authenticated(auth: string, request: IncomingMessage): Id[] | null {
    const [scheme = '', credentials = ''] = auth.split(' ', 2);
    if (scheme === 'x509') {
      const ids = tlsPeerIds(request.socket, this.config.x509SuperUser);
      return ids.length === 0 ? null : ids;
    }
    const { superDigest, digestAuthEnabled } = this.config;
    const address = request.socket.remoteAddress ?? '';
    return authenticate(scheme, Buffer.from(credentials), address, superDigest, digestAuthEnabled);
  }

  /** Ready: this member can serve (it leads, follows a leader, or is alone and leading). */
  private readiness(): HttpAnswer {
    const { member } = this.state;
    const mode = member.status().mode;
    const ready = member.refusal() === null && mode !== 'read-only';
    return jsonAnswer(ready ? 200 : 503, { ready, mode });
  }

  private listing(base: string): HttpAnswer {
    const names = ADMIN_COMMANDS.map((command) => command.names[0] ?? '').sort();
    const links = names.map((name) => `<a href="${base}/${name}">${name}</a>`);
    const body = `<html><body>\n${links.join('<br/>\n')}\n</body></html>\n`;
    return { status: 200, contentType: 'text/html', body };
  }

  /**
   * Authentication and rate limits, as ZooKeeper's Commands.runCommand applies them: the
   * caller's ids, or the refusal.
   */
  private caller(
    command: AdminCommand,
    name: string,
    request: IncomingMessage,
  ): HttpAnswer | { readonly ids: readonly Id[] } {
    if (command.authenticated !== true) return { ids: [] };
    const snapshots = command.gate === 'snapshot';
    if (snapshots && !this.config.adminSnapshotEnabled) {
      return jsonAnswer(503, { command: name, error: 'snapshot is off (admin.snapshot.enabled)' });
    }
    const auth = request.headers.authorization;
    if (auth === undefined) {
      return jsonAnswer(401, { command: name, error: 'Auth info is missing for the command' });
    }
    const ids = this.authenticated(auth, request);
    if (ids === null) return jsonAnswer(401, { command: name, error: 'Not authenticated' });
    const root = this.state.server.tree.get('/');
    if (root === undefined || !hasPerm(root.acl, Perm.all, ids)) {
      return jsonAnswer(403, { command: name, error: 'Not authorized' });
    }
    if (!snapshots) return { ids };
    const now = this.state.server.runtime.now();
    if (now - this.snapshotAt < adminSnapshotIntervalMs) {
      return jsonAnswer(429, { command: name, error: 'rate limited: one snapshot a minute' });
    }
    this.snapshotAt = now;
    return { ids };
  }
}
