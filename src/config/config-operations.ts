/**
 * Settings of the two HTTP listeners operators point their tools at: the Prometheus endpoint
 * (ZooKeeper 3.6+'s `metricsProvider.*`, parsed by QuorumPeerConfig) and the AdminServer
 * (`admin.*`, system properties in ZooKeeper, so also read as `zookeeper.admin.*`).
 */
import { isHost, isIntBetween, isPort, parseBoolean, parseJavaInt } from './config-values.js';

/** The provider Warren serves; the only className it accepts besides ZooKeeper's default. */
export const PROMETHEUS_PROVIDER =
  'org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider';
/** ZooKeeper's default provider: metrics in mntr only, no listener. */
export const DEFAULT_PROVIDER = 'org.apache.zookeeper.metrics.impl.DefaultMetricsProvider';

export interface OperationsConfig {
  /** metricsProvider.className: true for the Prometheus provider, false for none. */
  metricsEnabled: boolean;
  /** metricsProvider.httpHost (ZooKeeper 3.8+; 0.0.0.0). */
  metricsHttpHost: string;
  /** metricsProvider.httpPort (7000). */
  metricsHttpPort: number;
  /** metricsProvider.exportJvmInfo: the process's own metrics (Node's, in Warren). */
  metricsExportProcessInfo: boolean;
  /**
   * admin.enableServer. ZooKeeper's default is true; Warren's is false: the AdminServer
   * answers anyone who can reach the port (with dump and connection listings), so it is
   * opened only when asked for, like the four-letter words beyond srvr.
   */
  adminEnabled: boolean;
  /** admin.serverAddress (0.0.0.0). */
  adminServerAddress: string;
  /** admin.serverPort (8080). */
  adminServerPort: number;
  /** admin.commandURL (/commands). */
  adminCommandUrl: string;
  /** admin.idleTimeout: an idle HTTP connection is closed after this (30000 ms). */
  adminIdleTimeoutMs: number;
  /** admin.snapshot.enabled: the `snapshot` command (it still needs authentication). */
  adminSnapshotEnabled: boolean;
  /**
   * admin.forceHttps: the AdminServer (and the dashboard) speak HTTPS only, with the quorum's
   * key and trust stores (ssl.quorum.*), as ZooKeeper's JettyAdminServer does.
   */
  adminForceHttps: boolean;
  /** admin.portUnification: HTTPS and plain HTTP on the one AdminServer port. */
  adminPortUnification: boolean;
  /** admin.needClientAuth: an HTTPS client must present a certificate the trust store trusts. */
  adminNeedClientAuth: boolean;
  /** warren.dashboard.enable: the web dashboard under /dashboard on the AdminServer's port. */
  dashboardEnabled: boolean;
  /** warren.dashboard.sessionsMax: logged-in dashboard users at once (each holds a session). */
  dashboardSessionsMax: number;
}

export function defaultOperationsConfig(): OperationsConfig {
  return {
    metricsEnabled: false,
    metricsHttpHost: '0.0.0.0',
    metricsHttpPort: 7000,
    metricsExportProcessInfo: true,
    adminEnabled: false,
    adminServerAddress: '0.0.0.0',
    adminServerPort: 8080,
    adminCommandUrl: '/commands',
    adminIdleTimeoutMs: 30_000,
    adminSnapshotEnabled: true,
    adminForceHttps: false,
    adminPortUnification: false,
    adminNeedClientAuth: false,
    dashboardEnabled: false,
    dashboardSessionsMax: 8,
  };
}

/** The shape of config-fields.ts's FieldSpec, restated so this file stays a leaf. */
interface OperationsSpec {
  readonly field: keyof OperationsConfig;
  readonly keys: readonly string[];
  readonly expected: string;
  parse(raw: string): unknown;
  valid(value: unknown): boolean;
  explain?(value: unknown): string | undefined;
}

const readBoolean = (raw: string): boolean | undefined => parseBoolean(raw)?.value;
const isBoolean = (value: unknown): boolean => typeof value === 'boolean';
const both = (key: string): string[] => [key, `zookeeper.${key}`];
const PORT = 'a port number (1..65535)';
const HOST = 'a host name or IP address';

function adminFlag(field: keyof OperationsConfig, key: string): OperationsSpec {
  return {
    field,
    keys: both(key),
    expected: 'true or false',
    parse: readBoolean,
    valid: isBoolean,
  };
}

export const OPERATIONS_SPECS: readonly OperationsSpec[] = [
  {
    field: 'metricsEnabled',
    keys: ['metricsProvider.className'],
    expected: `${PROMETHEUS_PROVIDER} (or ZooKeeper's default provider)`,
    // An unknown class stays a string so that valid() refuses it, naming it.
    parse: (raw) => (raw === PROMETHEUS_PROVIDER ? true : raw === DEFAULT_PROVIDER ? false : raw),
    valid: isBoolean,
    explain: () => 'Warren loads no other metrics provider',
  },
  {
    field: 'metricsHttpHost',
    keys: ['metricsProvider.httpHost'],
    expected: HOST,
    parse: (raw) => raw,
    valid: isHost,
  },
  {
    field: 'metricsHttpPort',
    keys: ['metricsProvider.httpPort'],
    expected: PORT,
    parse: parseJavaInt,
    valid: isPort,
  },
  {
    field: 'metricsExportProcessInfo',
    keys: ['metricsProvider.exportJvmInfo'],
    expected: 'true or false',
    parse: readBoolean,
    valid: isBoolean,
  },
  {
    field: 'adminEnabled',
    keys: both('admin.enableServer'),
    expected: 'true or false',
    parse: readBoolean,
    valid: isBoolean,
  },
  {
    field: 'adminServerAddress',
    keys: both('admin.serverAddress'),
    expected: HOST,
    parse: (raw) => raw,
    valid: isHost,
  },
  {
    field: 'adminServerPort',
    keys: both('admin.serverPort'),
    expected: PORT,
    parse: parseJavaInt,
    valid: isPort,
  },
  {
    field: 'adminCommandUrl',
    keys: both('admin.commandURL'),
    expected: 'a URL path such as /commands',
    parse: (raw) => raw,
    valid: (value) => typeof value === 'string' && /^\/[A-Za-z0-9._~/-]*$/.test(value),
  },
  {
    field: 'adminIdleTimeoutMs',
    keys: both('admin.idleTimeout'),
    expected: 'an integer in 100..3600000 (milliseconds)',
    parse: parseJavaInt,
    valid: (value) => isIntBetween(value, 100, 3_600_000),
  },
  {
    field: 'adminSnapshotEnabled',
    keys: both('admin.snapshot.enabled'),
    expected: 'true or false',
    parse: readBoolean,
    valid: isBoolean,
  },
  adminFlag('adminForceHttps', 'admin.forceHttps'),
  adminFlag('adminPortUnification', 'admin.portUnification'),
  adminFlag('adminNeedClientAuth', 'admin.needClientAuth'),
  {
    field: 'dashboardEnabled',
    keys: ['warren.dashboard.enable'],
    expected: 'true or false',
    parse: readBoolean,
    valid: isBoolean,
  },
  {
    field: 'dashboardSessionsMax',
    keys: ['warren.dashboard.sessionsMax'],
    expected: 'an integer in 1..256',
    parse: parseJavaInt,
    valid: (value) => isIntBetween(value, 1, 256),
  },
];
