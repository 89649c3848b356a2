/**
 * warren/recipes: Curator-class coordination recipes on the warren client, for Warren and
 * Apache ZooKeeper. Each handles connection loss (retrying idempotent steps, protected names
 * for sequential creates) and session expiry (grants abort their signal; waits reject).
 */
export { RecipeError } from './recipe-errors.js';
export type { RecipeErrorCode } from './recipe-errors.js';
export type { WaitOptions } from './signals.js';
export { sequenceOf, sortedBySequence } from './nodes.js';
export { Lock, LOCK_NODE_NAME, lockContenders } from './lock.js';
export type { LockGrant, LockOptions } from './lock.js';
export { LeaderLatch, LATCH_NODE_NAME } from './leader-latch.js';
export type { LeaderLatchEvents, LeadershipGrant } from './leader-latch.js';
export { DistributedQueue, QUEUE_CLAIMS, QUEUE_ITEM_NAME } from './distributed-queue.js';
export { Barrier } from './barrier.js';
export { DoubleBarrier, DOUBLE_BARRIER_READY } from './double-barrier.js';
export { AtomicValue, CAS_MARKER_PREFIX } from './atomic-value.js';
export type { UpdateResult, VersionedValue } from './atomic-value.js';
export { SharedCounter } from './shared-counter.js';
export { ReadWriteLock, READ_NODE_NAME, WRITE_NODE_NAME } from './read-write-lock.js';
export { Semaphore, LEASE_NODE_NAME } from './semaphore.js';
export type { Lease } from './semaphore.js';
export { NodeCache } from './node-cache.js';
export type { CachedNode, NodeCacheEvents } from './node-cache.js';
export { PersistentEphemeralNode } from './persistent-ephemeral-node.js';
export type { PersistentEphemeralNodeEvents } from './persistent-ephemeral-node.js';
export {
  PriorityQueue,
  PRIORITY_ITEM_NAME,
  priorityOf,
  sortedByPriority,
} from './priority-queue.js';
export { LeaderSelector } from './leader-selector.js';
export type { Leadership, LeaderSelectorEvents, LeaderSelectorOptions } from './leader-selector.js';
export type { ClientSource } from './session-holder.js';
export { ChildrenCache } from './children-cache.js';
export type { ChildData, ChildrenCacheEvents, ChildrenCacheOptions } from './children-cache.js';
export { TreeCache } from './tree-cache.js';
export type { TreeCacheEvents, TreeCacheOptions, TreeNodeData } from './tree-cache.js';
export { GroupMembership } from './group-membership.js';
export type { GroupMember, GroupMembershipEvents } from './group-membership.js';
export { ServiceDiscovery } from './service-discovery.js';
export { ServiceProvider } from './service-provider.js';
export type { ServiceProviderOptions } from './service-provider.js';
export type { ServiceInstance } from './service-instance.js';
