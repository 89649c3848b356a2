/**
 * When to compare ZooKeeper's recorded digests with the imported tree, as ZooKeeper does on
 * restore: the snapshot's digest once the replay reaches its zxid (before that the tree is
 * fuzzy and no digest means anything); after it, the digest each txn carries. Computing the
 * digest walks the whole tree, so it is compared at the snapshot's zxid and at the end only.
 */
import type { DataTree } from '../tree/data-tree.js';
import { ImportError } from './import-error.js';
import { zkDigestVersion, zooKeeperDigest } from './zk-digest.js';
import type { ZkDigestMark } from './zk-snapshot-reader.js';
import type { ZkTxn } from './zk-txn.js';

export class DigestCheck {
  /** The snapshot's digest, until the replay reaches its zxid. */
  private pending: ZkDigestMark | null;
  /** The newest txn digest seen outside the fuzzy range. */
  private latest: { zxid: number; value: bigint } | null = null;
  /** Digests compared and found equal. */
  checked = 0;

  constructor(
    snapshotZxid: number,
    mark: ZkDigestMark | null,
    private readonly onMismatch: (problem: string) => void,
  ) {
    // A digest older than the snapshot's zxid says nothing about it (ZooKeeper ignores it).
    this.pending = mark !== null && mark.zxid >= snapshotZxid ? mark : null;
  }

  /** At load, and after each txn is applied. */
  reached(tree: DataTree, zxid: number, txn: ZkTxn | null): void {
    const mark = this.pending;
    if (mark !== null && zxid >= mark.zxid) {
      this.pending = null;
      if (zxid === mark.zxid && mark.version === zkDigestVersion) {
        this.compare(tree, zxid, mark.digest, 'the snapshot');
      }
    }
    if (this.pending === null && txn?.digest != null && txn.digest.version === zkDigestVersion) {
      this.latest = { zxid, value: txn.digest.value };
    }
  }

  /** After the last txn (whose digest, if it has one, is that of the tree now). */
  finish(tree: DataTree): void {
    const latest = this.latest;
    if (latest !== null && latest.zxid === tree.lastZxid)
      this.compare(tree, latest.zxid, latest.value, 'the log');
  }

  private compare(tree: DataTree, zxid: number, want: bigint, source: string): void {
    const have = zooKeeperDigest(tree);
    if (have === want) {
      this.checked++;
      return;
    }
    this.onMismatch(
      `the tree digest after txn 0x${zxid.toString(16)} is ${have.toString(16)}, but ` +
        `${source} records ${want.toString(16)}: ZooKeeper's data is inconsistent or was ` +
        'misread',
    );
  }
}

export function failOnMismatch(problem: string): never {
  throw new ImportError(`${problem} (--ignore-digest imports it anyway)`);
}
