/**
 * Containers and TTL nodes of the source, read from ZooKeeper's data directory (the newest
 * snapshot and the logs after it, with `warren import`'s reader), since ZooKeeper's client
 * protocol shows neither (node-type.ts). Reading a running server's files is safe: they are
 * only appended to, and a torn last record is left out. Nodes created after the read have no
 * known type (read again at verify, see migrate.ts).
 */
import type { Logger } from 'pino';
import { listLogs, listSnapshots, versionFolder } from '../import/zk-files.js';
import { loadZooKeeper } from '../import/zk-load.js';
import { NodeKind } from '../tree/node.js';
import { CONTAINER, type NodeType } from './node-type.js';

export interface SourceFiles {
  dataDir: string;
  /** ZooKeeper's dataLogDir when it is apart from dataDir. */
  dataLogDir?: string;
}

/** Client path → type, for the nodes that are neither persistent nor ephemeral. */
export type KnownTypes = ReadonlyMap<string, NodeType>;

/**
 * Reads the types. `chroot` is the source connection's ('' for none): server paths under it
 * become client paths, the others are dropped.
 */
export async function readSourceTypes(
  files: SourceFiles,
  chroot: string,
  logger: Logger,
): Promise<{ types: KnownTypes; zxid: number }> {
  const snapFolder = await versionFolder(files.dataDir, 'ZooKeeper data dir');
  const logFolder = await versionFolder(files.dataLogDir ?? files.dataDir, 'ZooKeeper log dir');
  const loaded = await loadZooKeeper({
    snapshots: await listSnapshots(snapFolder),
    logs: await listLogs(logFolder),
    // The files of a live server: its digest marks may race the read.
    ignoreDigest: true,
    logger,
  });
  const types = new Map<string, NodeType>();
  for (const path of loaded.tree.reapable) {
    const node = loaded.tree.get(path);
    if (node === undefined) continue;
    const client = clientPath(path, chroot);
    if (client === null) continue;
    if (node.kind === NodeKind.container) types.set(client, CONTAINER);
    if (node.kind === NodeKind.ttl) types.set(client, { kind: 'ttl', ttlMs: node.ttlMs });
  }
  return { types, zxid: loaded.tree.lastZxid };
}

function clientPath(server: string, chroot: string): string | null {
  if (chroot === '') return server;
  if (server === chroot) return '/';
  return server.startsWith(`${chroot}/`) ? server.slice(chroot.length) : null;
}
