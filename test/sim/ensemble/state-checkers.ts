/**
 * State-machine checkers for the ensemble simulation, fed by every server as it applies:
 * - AppliedLog: every server applies the same entry bytes at each index (so the same txn,
 *   origin and request id), whatever mix of live apply, restart replay and snapshot it took.
 * - TreeAgreement: every server's tree at a given applied index has the same digest, and a
 *   snapshot's bytes load back into a tree with the digest of the index it was taken at.
 */
import type { Entry, Index, NodeId } from '../../../src/consensus/types.js';
import type { DataTree } from '../../../src/tree/data-tree.js';
import { SafetyViolation } from '../checkers.js';
import type { ServerObserver } from './server.js';
import { decodeSnapshotData } from './snapshot-data.js';
import { treeDigest } from './tree-digest.js';

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new SafetyViolation(message);
}

export class AppliedLog {
  /** entries[i]: the bytes applied at index i, as first seen (normal entries only). */
  readonly entries = new Map<Index, Buffer>();
  private appliedMax = 0;

  get length(): number {
    return this.appliedMax;
  }

  observe(server: NodeId, entry: Entry): void {
    this.appliedMax = Math.max(this.appliedMax, entry.index);
    if (entry.kind !== 'normal') return;
    const known = this.entries.get(entry.index);
    if (known === undefined) this.entries.set(entry.index, entry.data);
    else check(known.equals(entry.data), `server ${server} applied other bytes at ${entry.index}`);
  }
}

export class TreeAgreement {
  private readonly digests = new Map<Index, { server: NodeId; digest: string }>();
  /** Only apply() changes a tree, and it always bumps lastZxid: reuse the last digest. */
  private readonly cache = new WeakMap<DataTree, { zxid: number; digest: string }>();
  compared = 0;

  observe(server: NodeId, index: Index, tree: DataTree): void {
    let cached = this.cache.get(tree);
    if (cached === undefined || cached.zxid !== tree.lastZxid) {
      cached = { zxid: tree.lastZxid, digest: treeDigest(tree) };
      this.cache.set(tree, cached);
    }
    this.compare(server, index, cached.digest, 'tree');
  }

  snapshot(server: NodeId, index: Index, data: Buffer): void {
    this.compare(server, index, treeDigest(decodeSnapshotData(data)), 'snapshot');
  }

  private compare(server: NodeId, index: Index, digest: string, what: string): void {
    const known = this.digests.get(index);
    if (known === undefined) {
      this.digests.set(index, { server, digest });
      return;
    }
    this.compared++;
    if (known.digest === digest) return;
    throw new SafetyViolation(
      `server ${server}'s ${what} at applied index ${index} differs from server ` +
        `${known.server}'s tree:\n${firstDifference(known.digest, digest)}`,
    );
  }
}

function firstDifference(a: string, b: string): string {
  const left = a.split('\n');
  const right = b.split('\n');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (left[i] !== right[i]) return `  expected: ${left[i]}\n  actual:   ${right[i]}`;
  }
  return '  (no line differs)';
}

/** Routes each server's observations to the checkers. */
export class StateObserver implements ServerObserver {
  readonly log = new AppliedLog();
  readonly trees = new TreeAgreement();

  entryApplied(server: NodeId, entry: Entry): void {
    this.log.observe(server, entry);
  }

  stateAt(server: NodeId, index: Index, tree: DataTree): void {
    this.trees.observe(server, index, tree);
  }

  snapshotTaken(server: NodeId, index: Index, data: Buffer): void {
    this.trees.snapshot(server, index, data);
  }
}
