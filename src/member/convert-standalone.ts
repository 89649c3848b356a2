/**
 * First start on a data directory that Warren 0.1.0's standalone server wrote: its snapshot
 * and log are moved aside (kept until the operator deletes them), replayed into a tree, and
 * that tree becomes the first Raft snapshot of a one-voter membership, at index = the last
 * zxid, so zxids go on where they left off and clients that saw them reconnect. Sessions and
 * their ephemerals are in the tree and survive. A crash midway is safe: the old files are
 * read from where they were moved until the Raft state says the conversion finished.
 */
import type { Logger } from 'pino';
import type { Disk } from '../storage/disk.js';
import {
  legacyAside,
  legacyAsideName,
  legacyInPlace,
  legacyPlaces,
  moveLegacyAside,
  readLegacyAside,
} from '../storage/legacy-standalone.js';
import { readHardState } from '../storage/hard-state-file.js';
import { raftPaths } from '../storage/raft-layout.js';
import { applyTxn } from '../tree/apply.js';
import { DataTree } from '../tree/data-tree.js';
import { loadSnapshot } from '../tree/snapshot-codec.js';
import { decodeTxn } from '../tree/txn-codec.js';
import type { Runtime } from '../util/runtime.js';
import { writeFoundingSnapshot } from './founding-snapshot.js';

export interface ConversionPlaces {
  readonly dataDir: string;
  readonly dataLogDir: string;
  readonly disk: Disk;
  readonly logger: Logger;
  readonly runtime: Runtime;
  /** This server's id: the one voter of the converted membership. */
  readonly selfId: number;
  readonly snapRetainCount: number;
}

/** Records replayed between two progress lines. */
const progressEvery = 100_000;

/** Converts a 0.1.0 standalone directory if there is one; true if it did. */
export async function convertStandaloneIfNeeded(places: ConversionPlaces): Promise<boolean> {
  const { disk, dataDir, dataLogDir, logger } = places;
  const legacy = legacyPlaces(dataDir, dataLogDir);
  const raftStarted =
    (await readHardState(disk, raftPaths(dataDir, dataLogDir).statePath)) !== null;
  if (await legacyInPlace(disk, legacy)) {
    if (raftStarted) {
      logger.warn(
        { kept: legacyAsideName },
        'standalone files of Warren 0.1.0 lie beside newer Raft state; moving them aside ' +
          'unconverted (the Raft state is what this server ran on last)',
      );
      await moveLegacyAside(disk, legacy);
      return false;
    }
    await moveLegacyAside(disk, legacy);
  }
  if (raftStarted || !(await legacyAside(disk, legacy))) return false;
  await convert(places, legacy);
  return true;
}

async function convert(places: ConversionPlaces, legacy: ReturnType<typeof legacyPlaces>) {
  const { disk, logger, runtime } = places;
  const started = runtime.now();
  logger.info(
    { from: [legacy.snapshotsAside, legacy.logAside] },
    'converting a Warren 0.1.0 standalone data directory to the one-write-path layout',
  );
  const contents = await readLegacyAside(disk, legacy, logger);
  const tree =
    contents.snapshot === null ? new DataTree() : loadSnapshot(contents.snapshot.records);
  const total = contents.txns.length;
  contents.txns.forEach((record, i) => {
    applyTxn(tree, decodeTxn(record.payload));
    if ((i + 1) % progressEvery === 0) {
      const done = i + 1;
      const rate = done / Math.max(1, (runtime.now() - started) / 1000);
      const leftS = Math.round((total - done) / rate);
      logger.info({ replayed: done, of: total, leftS }, 'converting: replaying the 0.1.0 log');
    }
  });
  await writeFoundingSnapshot(places, tree);
  logger.info(
    {
      zxid: tree.lastZxid,
      nodes: tree.nodeCount,
      sessions: tree.sessions.size,
      ms: runtime.now() - started,
      oldFilesIn: legacyAsideName,
    },
    'converted; the old files are kept aside until you delete them',
  );
}
