/**
 * Start-up and shutdown of a standalone server: recover the tree from the newest snapshot
 * plus the log, open the log for appends, serve, and take snapshots (and purge old files) as
 * the log grows. The snapshot is written while the server keeps serving.
 */
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { purge, recover, snapshotDirectory, writeSnapshot } from '../storage/index.js';
import { applyTxn } from '../tree/apply.js';
import { DataTree } from '../tree/data-tree.js';
import { beginSnapshot, loadSnapshot } from '../tree/snapshot-codec.js';
import { decodeTxn } from '../tree/txn-codec.js';
import type { ServerConfig } from './config.js';
import { WarrenServer } from './server.js';

export interface Standalone {
  server: WarrenServer;
  host: string;
  port: number;
  close(): Promise<void>;
  /** Takes a snapshot now (tests, admin); resolves with its zxid. */
  snapshot(): Promise<number>;
}

/** Yields the snapshot records, giving the event loop a turn every few milliseconds. */
async function* paced(records: Iterable<Buffer>): AsyncGenerator<Buffer> {
  let since = Date.now();
  for (const record of records) {
    yield record;
    if (Date.now() - since >= 5) {
      await new Promise((resolve) => setImmediate(resolve));
      since = Date.now();
    }
  }
}

export async function startStandalone(config: ServerConfig, logger: Logger): Promise<Standalone> {
  await mkdir(config.dataDir, { recursive: true });
  await mkdir(config.dataLogDir, { recursive: true });
  const storageLogger = logger.child({ module: 'storage' });
  const started = Date.now();
  const recovered = await recover({
    dataDir: config.dataDir,
    dataLogDir: config.dataLogDir,
    logger: storageLogger,
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
  let sinceSnapshot = recovered.txns.length;
  let snapshotting: Promise<number> | null = null;
  // Like ZooKeeper, randomise the snapshot point so servers of an ensemble don't align.
  let nextSnapshotAt = config.snapCount / 2 + Math.floor((Math.random() * config.snapCount) / 2);

  const takeSnapshot = (): Promise<number> => {
    if (snapshotting !== null) return snapshotting;
    const image = beginSnapshot(tree);
    sinceSnapshot = 0;
    const began = Date.now();
    snapshotting = writeSnapshot(snapshotDirectory(config.dataDir), image.zxid, paced(image.records))
      .then(async () => {
        logger.info({ zxid: image.zxid, ms: Date.now() - began }, 'snapshot written');
        await purge({
          dataDir: config.dataDir,
          dataLogDir: config.dataLogDir,
          snapRetainCount: config.snapRetainCount,
        });
        return image.zxid;
      })
      .finally(() => {
        snapshotting = null;
        nextSnapshotAt =
          config.snapCount / 2 + Math.floor((Math.random() * config.snapCount) / 2);
      });
    return snapshotting;
  };

  const server = new WarrenServer({
    config,
    tree,
    log: wal,
    logger,
    onApplied: () => {
      if (++sinceSnapshot < nextSnapshotAt || snapshotting !== null) return;
      takeSnapshot().catch((e: unknown) =>
        logger.error({ err: e }, 'snapshot failed; the log still holds every txn'),
      );
    },
    tryRecoverLog: () => wal.tryRecover(),
  });
  const { host, port } = await server.listen();
  logger.info({ host, port, dataDir: config.dataDir }, 'Warren standalone server is serving');
  return {
    server,
    host,
    port,
    snapshot: takeSnapshot,
    async close() {
      await server.close();
      if (snapshotting !== null) await snapshotting.catch(() => undefined);
      await wal.close();
    },
  };
}
