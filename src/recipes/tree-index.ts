/**
 * The in-memory tree behind TreeCache: nodes by full path, each with its data, Stat and child
 * names, and the bookkeeping that keeps it a tree (a removal takes the whole subtree, deepest
 * first; a node joins its parent's children). It reports every change to its owner.
 */
import type { Stat } from '../client/index.js';

export interface TreeNodeData {
  /** Full path. */
  readonly path: string;
  /** The node's data; null when cacheData is false (or the node has none). */
  readonly data: Buffer | null;
  readonly stat: Stat;
}

interface Entry extends TreeNodeData {
  readonly children: Set<string>;
}

export interface TreeIndexEvents {
  added(node: TreeNodeData): void;
  updated(node: TreeNodeData): void;
  removed(node: TreeNodeData): void;
}

export class TreeIndex {
  private readonly nodes = new Map<string, Entry>();

  constructor(
    readonly root: string,
    private readonly events: TreeIndexEvents,
  ) {}

  get(path: string): TreeNodeData | undefined {
    const entry = this.nodes.get(path);
    return entry === undefined ? undefined : { path, data: entry.data, stat: entry.stat };
  }

  childrenOf(path: string): string[] | undefined {
    const entry = this.nodes.get(path);
    return entry === undefined ? undefined : [...entry.children].sort();
  }

  paths(): string[] {
    return [...this.nodes.keys()].sort();
  }

  /** Levels below the root (the root is 0); Infinity for a path outside the root. */
  depthOf(path: string): number {
    if (path === this.root) return 0;
    const prefix = this.root === '/' ? '/' : `${this.root}/`;
    if (!path.startsWith(prefix)) return Number.POSITIVE_INFINITY;
    return path.slice(prefix.length).split('/').length;
  }

  /** The parent's path, or undefined for the root. */
  parentOf(path: string): string | undefined {
    if (path === this.root) return undefined;
    const slash = path.lastIndexOf('/');
    return slash <= 0 ? '/' : path.slice(0, slash);
  }

  childPath(parent: string, name: string): string {
    return parent === '/' ? `/${name}` : `${parent}/${name}`;
  }

  /** Adds or updates a node (an unchanged Stat changes nothing). */
  upsert(path: string, data: Buffer | null, stat: Stat): void {
    const before = this.nodes.get(path);
    if (before?.stat.mzxid === stat.mzxid && before.stat.czxid === stat.czxid) return;
    const entry: Entry = { path, data, stat, children: before?.children ?? new Set() };
    this.nodes.set(path, entry);
    const parent = this.parentOf(path);
    if (parent !== undefined)
      this.nodes.get(parent)?.children.add(path.slice(path.lastIndexOf('/') + 1));
    const node = { path, data, stat };
    if (before === undefined) this.events.added(node);
    else this.events.updated(node);
  }

  /** Sets a node's children list: removes the subtrees of the gone; returns all child paths. */
  setChildren(path: string, names: readonly string[]): string[] {
    const entry = this.nodes.get(path);
    if (entry === undefined) return [];
    const present = new Set(names);
    for (const name of [...entry.children]) {
      if (!present.has(name)) this.removeSubtree(this.childPath(path, name));
    }
    return names.map((name) => this.childPath(path, name));
  }

  /** Removes a node and everything below it, deepest first. */
  removeSubtree(path: string): void {
    const entry = this.nodes.get(path);
    if (entry === undefined) return;
    for (const name of [...entry.children]) this.removeSubtree(this.childPath(path, name));
    this.nodes.delete(path);
    const parent = this.parentOf(path);
    if (parent !== undefined)
      this.nodes.get(parent)?.children.delete(path.slice(path.lastIndexOf('/') + 1));
    this.events.removed({ path, data: entry.data, stat: entry.stat });
  }
}
