/**
 * The servers a differential or interop test runs its scenario against: Apache ZooKeeper
 * (which proves the test itself right) and Warren. A test loops over TARGETS, asks
 * targetSkipReason() whether to skip, and starts the server with startTarget().
 * Warren is never skipped: when it is not built, startTarget() fails with a message saying so.
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

export interface TargetOptions {
  /** ZooKeeper: enable TTL nodes. Warren serves them without a switch. */
  extendedTypes?: boolean;
  zookeeper?: ZooKeeperOptions;
  warren?: WarrenOptions;
}

/** Why the target cannot run here, or undefined when it should run. */
export function targetSkipReason(target: TargetName): string | undefined {
  if (target === 'zookeeper' && !zooKeeperAvailable()) return ZOOKEEPER_UNAVAILABLE_REASON;
  return undefined;
}

export function startTarget(target: TargetName, opts: TargetOptions = {}): Promise<RunningServer> {
  if (target === 'zookeeper') {
    return startZooKeeper({ extendedTypes: opts.extendedTypes, ...opts.zookeeper });
  }
  return startWarren(opts.warren);
}
