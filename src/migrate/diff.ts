/**
 * Pure comparison of one node on both sides: data, ACL (as a set: the order of entries does
 * not change what they grant), type, sequence counter, and the child names each side lacks.
 */
import type { ACL } from '../client/index.js';
import { describeType, sameType, type NodeType } from './node-type.js';

export interface NodeFacts {
  data: Buffer | null;
  acl: readonly ACL[];
  /** null when the type cannot be known on this side. */
  type: NodeType | null;
  children: readonly string[];
  /** The next sequential suffix the node hands out (plan.ts, sequenceCounter). */
  counter: number;
}

export type Difference =
  | { path: string; what: 'onlySource' }
  | { path: string; what: 'onlyTarget' }
  | { path: string; what: 'data'; source: number; target: number }
  | { path: string; what: 'acl'; source: string; target: string }
  | { path: string; what: 'type'; source: string; target: string }
  | { path: string; what: 'counter'; source: number; target: number };

function aclKey(acl: readonly ACL[]): string {
  return acl
    .map((a) => `${a.id.scheme}:${a.id.id}:${a.perms}`)
    .sort()
    .join(',');
}

export function sameData(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}

export function sameAcl(a: readonly ACL[], b: readonly ACL[]): boolean {
  return aclKey(a) === aclKey(b);
}

/** Differences of one node present on both sides (its children are compared by the caller). */
export function diffNode(path: string, source: NodeFacts, target: NodeFacts): Difference[] {
  const out: Difference[] = [];
  if (!sameData(source.data, target.data)) {
    const sourceBytes = source.data?.length ?? -1;
    out.push({ path, what: 'data', source: sourceBytes, target: target.data?.length ?? -1 });
  }
  if (!sameAcl(source.acl, target.acl)) {
    out.push({ path, what: 'acl', source: aclKey(source.acl), target: aclKey(target.acl) });
  }
  if (source.type !== null && target.type !== null && !sameType(source.type, target.type)) {
    const [s, t] = [describeType(source.type), describeType(target.type)];
    out.push({ path, what: 'type', source: s, target: t });
  }
  // Ahead is fine: no suffix is reused. Behind, a sequential create could reuse one.
  if (target.counter < source.counter) {
    out.push({ path, what: 'counter', source: source.counter, target: target.counter });
  }
  return out;
}

/** Child names only one side has, each list sorted. */
export function diffChildren(
  source: readonly string[],
  target: readonly string[],
): { onlySource: string[]; onlyTarget: string[] } {
  const inTarget = new Set(target);
  const inSource = new Set(source);
  return {
    onlySource: source.filter((n) => !inTarget.has(n)).sort(),
    onlyTarget: target.filter((n) => !inSource.has(n)).sort(),
  };
}

/** One line per difference, as verify prints them. */
export function formatDifference(d: Difference): string {
  switch (d.what) {
    case 'onlySource':
      return `- ${d.path} (only in the source)`;
    case 'onlyTarget':
      return `+ ${d.path} (only in the target)`;
    case 'data':
      return `~ ${d.path} data differs (source ${d.source} bytes, target ${d.target})`;
    case 'acl':
      return `~ ${d.path} acl differs (source ${d.source}; target ${d.target})`;
    case 'type':
      return `~ ${d.path} type differs (source ${d.source}, target ${d.target})`;
    case 'counter':
      return `~ ${d.path} next sequence number behind (source ${d.source}, target ${d.target})`;
  }
}
