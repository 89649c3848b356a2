/**
 * warren/client: a Promise-first ZooKeeper client for Node, for Warren and Apache ZooKeeper.
 *
 *   const client = await createClient('127.0.0.1:2181/app').connect();
 *   await client.create('/x', { data: 'hello', mode: 'ephemeral' });
 *   const { data } = await client.getData('/x', { watch: (e) => console.log(e.type) });
 */
export { createClient, ZooKeeperClient } from './client.js';
export type { MultiReadOp, MultiReadResult, ReconfigRequestOptions } from './client.js';
export type { ClientEvents } from './client-core.js';
export type {
  ChildrenResult,
  CreateResult,
  DataResult,
  VersionOptions,
  WatchOptions,
} from './node-operations.js';
export type { CreateOptions } from './create-request.js';
export type { DeleteRecursiveOptions } from './tree-operations.js';
export { WatchEventStream } from './watch-stream.js';
export type { WatchEventKind, WatchEventsOptions, WatchOverflow } from './watch-stream.js';
export type { RetryPolicy } from './retry-policy.js';
export type { ClientOptions } from './options.js';
export type { SaslCredentials } from './sasl-digest-md5.js';
export { systemClock } from './clock.js';
export type { ClientClock, TimerHandle } from './clock.js';
export { defaultSocketFactory } from './transport.js';
export type { SocketFactory, TransportTarget } from './transport.js';
export { JUTE_MAXBUFFER } from './options.js';
export { Transaction, TransactionError } from './transaction.js';
export type { OpResult } from './transaction.js';
export { parseConnectString } from './connect-string.js';
export type { ConnectString, HostPort } from './connect-string.js';
export { Acls, Perm } from './types.js';
export type {
  ACL,
  CallOptions,
  ClientInfo,
  CreateMode,
  EventName,
  Id,
  PersistentWatchMode,
  SessionState,
  Stat,
  WatchedEvent,
  Watcher,
  WatcherKind,
} from './types.js';
export {
  ClientClosedError,
  RequestQueueFullError,
  RequestTooLargeError,
  SubtreeTooLargeError,
  WatchOverflowError,
} from './client-errors.js';
export * from './zookeeper-errors.js';
