/** What the phases of a migration share: both clients, what is known of types, the report. */
import type { ZooKeeperClient } from '../client/index.js';
import type { NodeType } from './node-type.js';
import type { MigrationReport } from './report.js';
import type { KnownTypes } from './source-types.js';

export interface MigrateContext {
  readonly source: ZooKeeperClient;
  readonly target: ZooKeeperClient;
  /** Source containers and TTL nodes (from ZooKeeper's files); replaced when read again. */
  knownTypes: KnownTypes;
  /** Containers and TTL nodes this run created in the target (the protocol hides types). */
  readonly createdTypes: Map<string, NodeType>;
  readonly report: MigrationReport;
}
