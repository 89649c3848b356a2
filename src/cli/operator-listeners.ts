/**
 * The HTTP listeners operators' tools use, started once the member serves: the Prometheus
 * endpoint (metrics/) when zoo.cfg names the Prometheus provider, and the AdminServer
 * (admin/) with admin.enableServer=true. A listener that cannot
 * bind stops start-up, as ZooKeeper's does: monitoring that silently is not there is worse.
 */
import type { Logger } from 'pino';
import { AdminServer } from '../admin/admin-server.js';
import type { ServerConfig } from '../config/config.js';
import { Dashboard } from '../dashboard/dashboard.js';
import type { MemberEnvironment, MemberHandle } from '../member/start-member.js';
import { PrometheusEndpoint } from '../metrics/prometheus-endpoint.js';
import type { AdminTls } from '../security/admin-tls.js';
import type { ClientTls } from '../security/client-tls.js';
import type { HttpListener } from '../util/http-listener.js';

export interface OperatorListeners {
  /** Add to the member's environment before it starts (so start-up's election is seen). */
  readonly events: Pick<MemberEnvironment, 'events'>;
  /** Starts listening; rejects when a port cannot be bound. */
  start(handle: MemberHandle): Promise<void>;
  close(): Promise<void>;
}

/**
 * `adminTls`: the AdminServer's HTTPS (security/admin-tls.ts); `clientTls`: the client port's,
 * with which the dashboard's sessions reach a TLS port.
 */
export function operatorListeners(
  config: ServerConfig,
  logger: Logger,
  adminTls: AdminTls | null = null,
  clientTls: ClientTls | null = null,
): OperatorListeners {
  const metrics = config.metricsEnabled ? new PrometheusEndpoint(config, Date.now) : null;
  const open: Array<{ close(): Promise<void> }> = [];
  const onError = (error: unknown) => logger.error({ err: error }, 'HTTP listener error');
  return {
    events: metrics === null ? {} : { events: metrics.memberEvents },
    async start(handle) {
      if (metrics !== null) {
        const bound: HttpListener = await metrics.start(handle, onError);
        open.push(metrics);
        logger.info({ host: bound.host, port: bound.port }, 'Prometheus metrics at /metrics');
      }
      if (config.adminEnabled) {
        const admin = new AdminServer(config, handle, adminTls);
        const ownTls = clientTls?.loaded.options ?? null;
        const dashboard = config.dashboardEnabled
          ? new Dashboard(config, handle, onError, ownTls)
          : null;
        const bound = await admin.start(onError, dashboard?.takeOver);
        open.push(admin);
        if (dashboard !== null) {
          open.push(dashboard);
          logger.info({ host: bound.host, port: bound.port, url: '/dashboard/' }, 'Dashboard on');
        }
        const { adminCommandUrl: url } = config;
        const scheme = adminTls === null ? 'http' : adminTls.plainToo ? 'http+https' : 'https';
        logger.info({ host: bound.host, port: bound.port, url, scheme }, 'AdminServer started');
      } else if (config.dashboardEnabled) {
        logger.warn('warren.dashboard.enable needs admin.enableServer=true; no dashboard');
      }
    },
    async close() {
      await Promise.all(open.map((listener) => listener.close()));
    },
  };
}
