/**
 * The HTTP listeners operators' tools use, started once the member serves: the Prometheus
 * endpoint (metrics/) when zoo.cfg names the Prometheus provider. A listener that cannot
 * bind stops start-up, as ZooKeeper's does: monitoring that silently is not there is worse.
 */
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/config.js';
import type { MemberEnvironment, MemberHandle } from '../member/start-member.js';
import { PrometheusEndpoint } from '../metrics/prometheus-endpoint.js';
import type { HttpListener } from '../util/http-listener.js';

export interface OperatorListeners {
  /** Add to the member's environment before it starts (so start-up's election is seen). */
  readonly events: Pick<MemberEnvironment, 'events'>;
  /** Starts listening; rejects when a port cannot be bound. */
  start(handle: MemberHandle): Promise<void>;
  close(): Promise<void>;
}

export function operatorListeners(config: ServerConfig, logger: Logger): OperatorListeners {
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
    },
    async close() {
      await Promise.all(open.map((listener) => listener.close()));
    },
  };
}
