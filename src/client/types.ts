/**
 * The public vocabulary of the client: create modes, watch events and watcher kinds, ACL
 * presets, per-call options. Wire records (Stat, ACL, Id) are the protocol's own.
 */
import { EventType, Perm } from '../protocol/opcodes.js';
import type { ACL } from '../protocol/records.js';
import type { RetryPolicy } from './retry-policy.js';

export type { ACL, Id, Stat } from '../protocol/records.js';
export type { ClientInfo } from '../protocol/responses.js';
export { Perm } from '../protocol/opcodes.js';

export type CreateMode =
  | 'persistent'
  | 'ephemeral'
  | 'persistentSequential'
  | 'ephemeralSequential'
  | 'container'
  | 'persistentWithTtl'
  | 'persistentSequentialWithTtl';

/** CreateMode → the wire flag (ZooKeeper's CreateMode numbering). */
export const CREATE_FLAGS: Readonly<Record<CreateMode, number>> = {
  persistent: 0,
  ephemeral: 1,
  persistentSequential: 2,
  ephemeralSequential: 3,
  container: 4,
  persistentWithTtl: 5,
  persistentSequentialWithTtl: 6,
};

export type EventName = 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged';

const EVENT_NAMES = new Map<number, EventName>([
  [EventType.nodeCreated, 'NodeCreated'],
  [EventType.nodeDeleted, 'NodeDeleted'],
  [EventType.nodeDataChanged, 'NodeDataChanged'],
  [EventType.nodeChildrenChanged, 'NodeChildrenChanged'],
]);

export function eventName(type: number): EventName | undefined {
  return EVENT_NAMES.get(type);
}

/** A watch notification; `path` is the client's path (chroot stripped). */
export interface WatchedEvent {
  type: EventName;
  path: string;
}

export type Watcher = (event: WatchedEvent) => void;

/** addWatch modes. */
export type PersistentWatchMode = 'persistent' | 'persistentRecursive';

/** checkWatches/removeWatches kinds (persistent ones need ZooKeeper 3.9+). */
export type WatcherKind = 'children' | 'data' | 'any' | 'persistent' | 'persistentRecursive';

export const WATCHER_KIND_CODES: Readonly<Record<WatcherKind, number>> = {
  children: 1,
  data: 2,
  any: 3,
  persistent: 4,
  persistentRecursive: 5,
};

/** Options every call takes. */
export interface CallOptions {
  /** Overrides the client's requestTimeoutMs for this call; 0 = no timeout. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * This call's retry policy, over ClientOptions.retry; `false` turns retrying off. Only
   * operations safe to repeat are ever retried; timeoutMs applies to each attempt.
   */
  retry?: RetryPolicy | false;
}

const anyone = { scheme: 'world', id: 'anyone' };

/** ZooDefs.Ids. */
export const Acls = {
  /** Anyone may do anything. */
  openUnsafe: [{ perms: Perm.all, id: anyone }] as readonly ACL[],
  /** Anyone may read. */
  readUnsafe: [{ perms: Perm.read, id: anyone }] as readonly ACL[],
  /** Every permission for the identities that created the node (needs addAuth first). */
  creatorAll: [{ perms: Perm.all, id: { scheme: 'auth', id: '' } }] as readonly ACL[],
} as const;

export type SessionState =
  | 'connecting'
  | 'connected'
  | 'readOnly'
  | 'disconnected'
  | 'expired'
  | 'authFailed'
  | 'closed';
