/**
 * The memo of Lowe's algorithm, extended for operations with unknown outcome. A configuration
 * is (completed operations linearized, model state, pending operations linearized). Pending
 * operations are optional, so a configuration is dominated by an explored one with the same
 * completed set and state and a subset of its pending operations: whatever the dominated one
 * could still do, the explored one could too. Without pending operations this is exactly the
 * (set, state) memo. Configurations are bucketed by (set hash, state key) and compared exactly.
 */
import type { LinearizedSet } from './linearized-set.js';

interface Explored {
  completed: Uint16Array;
  pending: Uint16Array;
}

export class ExploredConfigurations {
  private readonly buckets = new Map<string, Explored[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Records the configuration; false if it (or one dominating it) was already explored. */
  visit(completed: LinearizedSet, stateKey: string, pending: LinearizedSet): boolean {
    const bucketKey = `${completed.hash}|${stateKey}`;
    let bucket = this.buckets.get(bucketKey);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(bucketKey, bucket);
    }
    for (const earlier of bucket) {
      if (equal(earlier.completed, completed.words) && isSubset(earlier.pending, pending.words)) {
        return false;
      }
    }
    bucket.push({ completed: completed.words.slice(), pending: pending.words.slice() });
    this.count++;
    return true;
  }
}

function equal(a: Uint16Array, b: Uint16Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isSubset(small: Uint16Array, large: Uint16Array): boolean {
  for (let i = 0; i < small.length; i++) {
    if (((small[i] ?? 0) & ~(large[i] ?? 0)) !== 0) return false;
  }
  return true;
}
