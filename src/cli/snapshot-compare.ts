/**
 * `warren inspect --compare A B`: the paths two snapshots disagree on, as `- path` (only in
 * A), `+ path` (only in B) and `~ path (fields)` (in both, different), then a count. Two
 * members' snapshots at one index must not differ at all (their digests say so too).
 */
import type { DataTree } from '../tree/data-tree.js';
import type { NodeFields } from '../tree/node.js';
import { checkSnapshotFile, describeSnapshot } from './snapshot-check.js';

export interface Comparison {
  readonly onlyA: number;
  readonly onlyB: number;
  readonly differ: number;
}

export async function compareSnapshots(
  a: string,
  b: string,
  print: (line: string) => void,
): Promise<Comparison> {
  const left = await checkSnapshotFile(a);
  const right = await checkSnapshotFile(b);
  print(`A ${a}: ${describeSnapshot(left)}`);
  print(`B ${b}: ${describeSnapshot(right)}`);
  const result = compareTrees(left.tree, right.tree, print);
  const sessions = `${left.tree.sessions.size} and ${right.tree.sessions.size} sessions`;
  print(
    `${result.onlyA} only in A, ${result.onlyB} only in B, ${result.differ} differ; ${sessions}`,
  );
  return result;
}

export function compareTrees(a: DataTree, b: DataTree, print: (line: string) => void): Comparison {
  let onlyA = 0;
  let onlyB = 0;
  let differ = 0;
  for (const path of pathsOf(a)) {
    const other = b.get(path);
    if (other === undefined) {
      print(`- ${path}`);
      onlyA += 1;
      continue;
    }
    const fields = differences(a.mustGet(path), other);
    if (fields.length > 0) {
      print(`~ ${path} (${fields.join(', ')})`);
      differ += 1;
    }
  }
  for (const path of pathsOf(b)) {
    if (a.get(path) === undefined) {
      print(`+ ${path}`);
      onlyB += 1;
    }
  }
  return { onlyA, onlyB, differ };
}

function pathsOf(tree: DataTree): string[] {
  return Array.from(tree.entries(), ([path]) => path).sort();
}

function differences(x: NodeFields, y: NodeFields): string[] {
  const fields: string[] = [];
  if (x.data !== y.data) fields.push('data');
  if (JSON.stringify(x.acl) !== JSON.stringify(y.acl)) fields.push('acl');
  const stat = ['czxid', 'mzxid', 'pzxid', 'ctime', 'mtime', 'version', 'aversion'] as const;
  for (const name of stat) if (x[name] !== y[name]) fields.push(name);
  if (x.kind !== y.kind) fields.push('kind');
  if (x.ephemeralOwner !== y.ephemeralOwner) fields.push('ephemeralOwner');
  if (x.ttlMs !== y.ttlMs) fields.push('ttl');
  return fields;
}
