/**
 * Start-up and shutdown of a standalone server: recover the tree from the newest snapshot
 * plus the log, open the log for appends, serve, and snapshot as the log grows.
 */
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { recover } from '../storage/index.js';
import { applyTxn } from '../tree/apply.js';
import { DataTree } from '../tree/data-tree.js';
import { loadSnapshot } from '../tree/snapshot-codec.js';
import { decodeTxn } from '../tree/txn-codec.js';
import type { ServerConfig } from '../config/config.js';
import { LocalWritePath } from './local-write-path.js';
import { WarrenServer } from './server.js';
import { SnapshotScheduler } from './snapshot-scheduler.js';

export interface Standalone {
  server: WarrenServer;
  host: string;
  port: number;
  close(): Promise<void>;
  /** Takes a snapshot now (tests, admin); resolves with its zxid. */
  snapshot(): Promise<number>;
}

export async function startStandalone(config: ServerConfig, logger: Logger): Promise<Standalone> {
  await mkdir(config.dataDir, { recursive: true });
  await mkdir(config.dataLogDir, { recursive: true });
  const started = Date.now();
  const recovered = await recover({
    dataDir: config.dataDir,
    dataLogDir: config.dataLogDir,
    logger: logger.child({ module: 'storage' }),
  });
  const tree = recovered.snapshot ? loadSnapshot(recovered.snapshot.records) : new DataTree();
  for (const record of recovered.txns) applyTxn(tree, decodeTxn(record.payload));
  logger.info(
    {
      snapshotZxid: recovered.snapshot?.zxid ?? 0,
      replayed: recovered.txns.length,
      zxid: tree.lastZxid,
      nodes: tree.nodeCount,
      sessions: tree.sessions.size,
      ms: Date.now() - started,
    },
    'recovered state from disk',
  );
  const wal = recovered.wal;
  const snapshots = new SnapshotScheduler(tree, config, logger, recovered.txns.length);
  const server = new WarrenServer({
    config,
    tree,
    logger,
    writePath: (host) =>
      new LocalWritePath({
        host,
        log: wal,
        logger,
        extendedTypesEnabled: config.extendedTypesEnabled,
        tryRecoverLog: () => wal.tryRecover(),
      }),
    onApplied: () => snapshots.onApplied(),
  });
  const { host, port } = await server.listen();
  logger.info({ host, port, dataDir: config.dataDir }, 'Warren standalone server is serving');
  return {
    server,
    host,
    port,
    snapshot: () => snapshots.snapshot(),
    async close() {
      await server.close();
      await snapshots.settle();
      await wal.close();
    },
  };
}
