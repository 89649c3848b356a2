/**
 * Loads a stopped ZooKeeper's state into a Warren tree, as ZooKeeper's own restore does: the
 * newest snapshot that reads whole (damaged ones are skipped, older ones tried), then every
 * logged txn after its zxid, in order, with the recorded digests compared.
 */
import type { Logger } from 'pino';
import { DataTree } from '../tree/data-tree.js';
import { ImportError } from './import-error.js';
import { ImportProgress } from './import-progress.js';
import { DigestCheck, failOnMismatch } from './zk-digest-check.js';
import { logsAfter, type ZkFile, type ZkSnapshotFile } from './zk-files.js';
import { replayZkTxn } from './zk-replay.js';
import { readZkSnapshot, type ZkSnapshot } from './zk-snapshot-reader.js';
import { ZkStream } from './zk-stream.js';
import { readZkLog } from './zk-txnlog-reader.js';
import type { ZkTxn } from './zk-txn.js';

export interface LoadInput {
  readonly snapshots: readonly ZkSnapshotFile[];
  readonly logs: readonly ZkFile[];
  readonly ignoreDigest: boolean;
  readonly logger: Logger;
}

export interface Loaded {
  tree: DataTree;
  snapshot: ZkSnapshotFile | null;
  logsRead: number;
  txns: number;
  digestsChecked: number;
  bytes: number;
}

const epochOf = (zxid: number): number => Math.floor(zxid / 2 ** 32);
const hex = (zxid: number): string => `0x${zxid.toString(16)}`;

export async function loadZooKeeper(input: LoadInput): Promise<Loaded> {
  const { logger } = input;
  // Sized for the newest snapshot; an older one, read instead, makes the estimate rough.
  const newestZxid = input.snapshots[0]?.zxid ?? 0;
  const total =
    (input.snapshots[0]?.bytes ?? 0) +
    logsAfter(input.logs, newestZxid).reduce((sum, log) => sum + log.bytes, 0);
  const progress = new ImportProgress(total, (report) =>
    logger.info(
      { percent: report.percent, bytesPerS: Math.round(report.perSecond), leftS: report.leftS },
      report.text,
    ),
  );
  const chosen = await newestReadable(input, progress);
  const snapZxid = chosen?.file.zxid ?? 0;
  const logs = logsAfter(input.logs, snapZxid);
  const tree = chosen?.image.tree ?? new DataTree();
  tree.lastZxid = snapZxid;
  const onMismatch = input.ignoreDigest
    ? (problem: string) => logger.warn(`${problem}; imported anyway (--ignore-digest)`)
    : failOnMismatch;
  const digests = new DigestCheck(snapZxid, chosen?.image.digest ?? null, onMismatch);
  digests.start(tree);
  let txns = 0;
  for (const [i, log] of logs.entries()) {
    const newest = i === logs.length - 1;
    const onTxn = (txn: ZkTxn, offset: number) => {
      if (txn.zxid <= tree.lastZxid) return; // in the snapshot already
      if (epochOf(txn.zxid) === epochOf(tree.lastZxid) && txn.zxid !== tree.lastZxid + 1) {
        throw new ImportError(
          `${log.path} at byte ${offset}: txn ${hex(txn.zxid)} follows ${hex(tree.lastZxid)}; ` +
            'the txns between are missing (a log file deleted or damaged?)',
        );
      }
      digests.before(tree, txn);
      replayZkTxn(tree, txn);
      digests.after(tree, txn);
      txns++;
    };
    const ending = await readZkLog(log, onTxn, (read) => progress.tick(read));
    progress.finish(log.bytes);
    if (ending.tornAt !== null) {
      logger.warn(
        { file: log.path, offset: ending.tornAt },
        newest
          ? 'the newest log ends in a partial record (ZooKeeper stopped while writing it, or ' +
              'is still running): it is left out, as ZooKeeper itself does'
          : 'a log ends in a partial record (an earlier crash): left out, as ZooKeeper does',
      );
    }
  }
  digests.finish();
  if (digests.settled > 0) {
    logger.info(
      { settled: digests.settled },
      "the snapshot's digest mark lagged its tree by one txn (ZooKeeper was applying it while " +
        "writing the snapshot); the next txn's digest matched",
    );
  }
  progress.end();
  return {
    tree,
    snapshot: chosen?.file ?? null,
    logsRead: logs.length,
    txns,
    digestsChecked: digests.checked,
    bytes: total,
  };
}

/** The newest snapshot that reads whole; null when there is none at all. */
async function newestReadable(
  input: LoadInput,
  progress: ImportProgress,
): Promise<{ file: ZkSnapshotFile; image: ZkSnapshot } | null> {
  const failures: string[] = [];
  for (const file of input.snapshots) {
    if (file.compression === 'snappy') {
      throw new ImportError(
        `${file.path} is Snappy-compressed, which this import does not read. Set ` +
          'zookeeper.snapshot.compression.method=gz (or none) on ZooKeeper, let it take a ' +
          'new snapshot (restart it, or wait for snapCount txns), stop it, then import.',
      );
    }
    const stream = ZkStream.open(file.path, file.compression === 'gz');
    try {
      const image = await readZkSnapshot(stream, () => progress.tick(stream.rawBytes));
      progress.finish(file.bytes);
      return { file, image };
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      input.logger.warn({ err: error.message }, 'skipping a damaged snapshot; trying an older one');
      failures.push(error.message);
    } finally {
      await stream.close();
    }
  }
  if (failures.length > 0) {
    throw new ImportError(`no snapshot reads whole: ${failures.join('; ')}`);
  }
  return null;
}
