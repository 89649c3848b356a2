/**
 * The servers a differential or interop test runs its scenario against: Apache ZooKeeper
 * (which proves the test itself right) and Warren. A test loops over TARGETS, asks
 * targetSkipReason() whether to skip, and starts the server with startTarget().
 * Warren is never skipped: when it is not built, startTarget() fails with a message saying so.
 * Warren takes ZooKeeper's settings as zoo.cfg lines (`--config`), ZooKeeper as JVM properties.
 */
import { startWarren, type WarrenOptions } from './warren-proc.js';
import {
  startZooKeeper,
  ZOOKEEPER_UNAVAILABLE_REASON,
  zooKeeperAvailable,
  type ZooKeeperOptions,
} from './zookeeper-ref.js';
import type { RunningServer } from './server-process.js';

export type TargetName = 'zookeeper' | 'warren';
export const TARGETS: readonly TargetName[] = ['zookeeper', 'warren'];

/** Settings both servers take, each in its own way (JVM property or zoo.cfg line). */
export interface TargetOptions {
  /** TTL nodes (off by default in both). */
  extendedTypes?: boolean;
  /** How often containers and TTL nodes are reaped (60 s by default in both). */
  containerCheckIntervalMs?: number;
  /** `user:base64(sha1(user:password))`, see digestId(). */
  superDigest?: string;
  /**
   * A JAAS file with a `Server` section: SASL (DIGEST-MD5) on the client port, with
   * `authProvider.1=…SASLAuthenticationProvider` (a JVM property for ZooKeeper, zoo.cfg lines
   * for Warren).
   */
  jaasConfig?: string;
  /** Per-server extras, applied last. */
  zookeeper?: ZooKeeperOptions;
  warren?: WarrenOptions;
}

const SASL_PROVIDER = 'org.apache.zookeeper.server.auth.SASLAuthenticationProvider';

function warrenConfig(opts: TargetOptions): Record<string, string> | undefined {
  const config: Record<string, string> = {};
  if (opts.extendedTypes === true) config.extendedTypesEnabled = 'true';
  if (opts.containerCheckIntervalMs !== undefined) {
    config['znode.container.checkIntervalMs'] = String(opts.containerCheckIntervalMs);
  }
  if (opts.superDigest !== undefined) {
    config['DigestAuthenticationProvider.superDigest'] = opts.superDigest;
  }
  if (opts.jaasConfig !== undefined) {
    config['java.security.auth.login.config'] = opts.jaasConfig;
    config['authProvider.1'] = SASL_PROVIDER;
  }
  Object.assign(config, opts.warren?.config);
  return Object.keys(config).length > 0 ? config : undefined;
}

/** Why the target cannot run here, or undefined when it should run. */
export function targetSkipReason(target: TargetName): string | undefined {
  if (target === 'zookeeper' && !zooKeeperAvailable()) return ZOOKEEPER_UNAVAILABLE_REASON;
  return undefined;
}

export function startTarget(target: TargetName, opts: TargetOptions = {}): Promise<RunningServer> {
  if (target === 'zookeeper') {
    return startZooKeeper({
      extendedTypes: opts.extendedTypes,
      containerCheckIntervalMs: opts.containerCheckIntervalMs,
      superDigest: opts.superDigest,
      ...(opts.jaasConfig === undefined
        ? {}
        : { jaasConfig: opts.jaasConfig, extraConfig: { 'authProvider.1': SASL_PROVIDER } }),
      ...opts.zookeeper,
    });
  }
  return startWarren({ ...opts.warren, config: warrenConfig(opts) });
}
