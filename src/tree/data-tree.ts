/**
 * The data tree: znodes (stored by column in node-store.ts, found by walking child names from
 * the root), the session table and the indexes the server needs (ephemerals per session,
 * containers and TTL nodes for the reaper). It only offers the primitive mutations apply()
 * composes; every mutation asserts the invariants it relies on. Replicated state lives here
 * and nowhere else, so a snapshot of this object is a snapshot of the service.
 */
import { fail } from '../util/assert.js';
import { overlongPathsMax, v8HashedLengthMax } from '../util/limits.js';
import type { ACL, SessionId } from '../protocol/records.js';
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE } from './acl.js';
import { addHash, baseHash, nodeHash, removeHash, sessionHash } from './digest.js';
import { NodeKind, copyFields, type NodeFields } from './node.js';
import { NodeStore, type ZNode } from './node-store.js';
import { CONFIG_PATH, QUOTA_PATH, ZOOKEEPER_PATH, nameOf, parentOf } from './path.js';

export interface SessionRecord {
  timeoutMs: number;
  passwd: Buffer;
}

export type { ZNode } from './node-store.js';

/** Called before a node is changed or removed, while a snapshot is being written. */
export type MutationHook = (path: string, node: ZNode) => void;

/**
 * The tree would hold more paths than V8 hashes than it can look up in linear time. Only
 * data written before warren.pathBytesMax existed can get here; it names what to do.
 */
export class OverlongPathsError extends Error {
  override readonly name = 'OverlongPathsError';
  readonly code = 'WARREN_OVERLONG_PATHS';
  constructor(path: string) {
    super(
      `tree: more than ${overlongPathsMax} paths longer than ${v8HashedLengthMax} characters ` +
        `(this one has ${path.length}: ${path.slice(0, 60)}…). V8 hashes such strings by ` +
        'their length alone, so every lookup among them compares them all. Only data ' +
        'written before warren.pathBytesMax existed holds them: delete them with that ' +
        'version (or a ZooKeeper client against it), then start this one.',
    );
  }
}

/** V8 keeps a slice of 13 characters or more as a view of the whole string it was cut from. */
const slicedFrom = 13;

/**
 * A node's name as its own string: a slice would keep the whole path (or the request buffer's
 * string) alive as long as the node lives.
 */
function ownName(path: string): string {
  const name = nameOf(path);
  return name.length < slicedFrom ? name : Buffer.from(name, 'utf8').toString('utf8');
}

/** The fields of a node whose record a snapshot load has not reached yet. */
const placeholderFields: NodeFields = newNode(
  null,
  OPEN_ACL_UNSAFE,
  0,
  0,
  NodeKind.persistent,
  0n,
  0,
);

export class DataTree {
  private readonly store = new NodeStore();
  private readonly root: number;
  /** While loading: ids made for ancestors named by a record before their own (id → path). */
  private readonly placeholders = new Map<number, string>();
  /**
   * Per node with any, how many of its children have children themselves: a parent of leaves
   * only (a wide parent, typically) counts its descendants in constant time.
   */
  private readonly branches = new Map<number, number>();
  readonly sessions = new Map<SessionId, SessionRecord>();
  readonly ephemerals = new Map<SessionId, Set<string>>();
  /** Containers and TTL nodes: the reaper's candidates. */
  readonly reapable = new Set<string>();
  lastZxid = 0;
  /** Total bytes of node data (for mntr's approximate data size). */
  dataBytes = 0;
  /** Nodes whose path is longer than V8 hashes (util/limits.ts: overlongPathsMax). */
  overlongPaths = 0;
  /** The tree digest (digest.ts), kept up to date by every mutation below. */
  digest = 0;
  mutationHook: MutationHook | null = null;
  private snapshotGeneration = 0;

  /**
   * `loading`: a tree with only a root whose record is still to come, for loadNode() and
   * finishLoading(); otherwise a new service's tree (the root and ZooKeeper's system nodes).
   */
  constructor(mode: 'new' | 'loading' = 'new') {
    if (mode === 'loading') {
      this.root = this.store.add(placeholderFields);
      this.placeholders.set(this.root, '/');
      return;
    }
    this.root = this.store.add(newNode('', OPEN_ACL_UNSAFE, 0, 0, NodeKind.persistent, 0n, 0));
    this.addSystemNode(ZOOKEEPER_PATH, OPEN_ACL_UNSAFE);
    this.addSystemNode(QUOTA_PATH, OPEN_ACL_UNSAFE);
    this.addSystemNode(CONFIG_PATH, READ_ACL_UNSAFE);
    // ZooKeeper sets the config node's ACL with version -1, leaving aversion at -1.
    this.mustGet(CONFIG_PATH).aversion = -1;
    this.digest = this.computeDigest();
  }

  /**
   * Non-zero while a snapshot is being written: new nodes are born already 'captured', and
   * freed ids are not reused (the snapshot's walk may still hold them).
   */
  get activeSnapshotGeneration(): number {
    return this.snapshotGeneration;
  }
  set activeSnapshotGeneration(generation: number) {
    this.snapshotGeneration = generation;
    this.store.reuseIds = generation === 0;
  }

  /** The digest from scratch (a loaded snapshot, and the simulator's cross-check). */
  computeDigest(): number {
    let digest = 0;
    for (const [path, node] of this.entries()) {
      node.hash = baseHash(path, node);
      digest = addHash(digest, nodeHash(node.hash, node));
    }
    for (const [id, s] of this.sessions) digest = addHash(digest, sessionHash(id, s.timeoutMs));
    return digest;
  }

  /** A node's share of the digest, from its kept base (computed once when unknown). */
  private share(path: string, node: ZNode): number {
    if (node.hash < 0) node.hash = baseHash(path, node);
    return nodeHash(node.hash, node);
  }

  /** Takes a node's share out of the digest before it changes. */
  private unhash(path: string, node: ZNode): void {
    this.digest = removeHash(this.digest, this.share(path, node));
  }

  /** Puts a node's share back after it changed; `baseChanged` when data or ACL did. */
  private rehash(path: string, node: ZNode, baseChanged = false): void {
    if (baseChanged) node.hash = -1;
    this.digest = addHash(this.digest, this.share(path, node));
  }

  addSession(id: SessionId, record: SessionRecord): void {
    if (this.sessions.has(id)) fail(`tree: session 0x${id.toString(16)} added twice`);
    this.sessions.set(id, record);
    this.digest = addHash(this.digest, sessionHash(id, record.timeoutMs));
  }

  removeSession(id: SessionId): void {
    const record = this.sessions.get(id);
    if (record === undefined) fail(`tree: no session 0x${id.toString(16)} to remove`);
    this.sessions.delete(id);
    this.digest = removeHash(this.digest, sessionHash(id, record.timeoutMs));
  }

  private addSystemNode(path: string, acl: readonly ACL[]): void {
    const id = this.store.add(newNode('', acl, 0, 0, NodeKind.persistent, 0n, 0));
    const parentPath = parentOf(path);
    this.link(parentPath, this.find(parentPath), ownName(path), id);
  }

  /** Adds a child to its parent's map, counting the parent as a branch when it is its first. */
  private link(parentPath: string, parentId: number, name: string, id: number): void {
    const children = this.store.childrenForAdding(parentId);
    children.set(name, id);
    if (children.size === 1 && parentPath !== '/') this.countBranch(parentOf(parentPath), 1);
  }

  /** Removes a child from its parent's map; false if it was not there. */
  private unlink(parentPath: string, parentId: number, name: string): boolean {
    const children = this.store.children(parentId);
    if (children === null || !children.delete(name)) return false;
    if (children.size === 0 && parentPath !== '/') this.countBranch(parentOf(parentPath), -1);
    return true;
  }

  private countBranch(path: string, change: 1 | -1): void {
    const id = this.find(path);
    if (id < 0) fail(`tree: node ${path} must exist`);
    const count = (this.branches.get(id) ?? 0) + change;
    if (count < 0) fail(`tree: ${path} has a negative number of branches`);
    if (count === 0) this.branches.delete(id);
    else this.branches.set(id, count);
  }

  /**
   * The id at a path, or -1: walks child names from the root, so no map is keyed by a full
   * path. '/a/' and '//' name nothing, as in ZooKeeper's map of full paths.
   */
  private find(path: string): number {
    if (path.charCodeAt(0) !== 0x2f) return -1;
    if (path.length === 1) return this.root;
    let id = this.root;
    let from = 1;
    for (;;) {
      const children = this.store.children(id);
      if (children === null) return -1;
      const slash = path.indexOf('/', from);
      const child = children.get(slash < 0 ? path.slice(from) : path.slice(from, slash));
      if (child === undefined || slash < 0) return child ?? -1;
      id = child;
      from = slash + 1;
    }
  }

  get(path: string): ZNode | undefined {
    const id = this.find(path);
    return id < 0 ? undefined : this.store.view(id);
  }

  has(path: string): boolean {
    return this.find(path) >= 0;
  }

  mustGet(path: string): ZNode {
    const id = this.find(path);
    if (id < 0) fail(`tree: node ${path} must exist`);
    return this.store.view(id);
  }

  get nodeCount(): number {
    return this.store.size;
  }

  /**
   * Every node, a parent before its children, children in creation order. Safe to continue
   * while the tree changes: a node deleted before the walk reaches it is not visited, a node
   * created meanwhile may or may not be.
   */
  *entries(): Generator<[string, ZNode], void, undefined> {
    yield ['/', this.store.view(this.root)];
    const top = this.store.children(this.root);
    if (top === null) return;
    const stack: { prefix: string; children: IterableIterator<[string, number]> }[] = [
      { prefix: '', children: top.entries() },
    ];
    while (stack.length > 0) {
      const level = stack[stack.length - 1] as (typeof stack)[number];
      const next = level.children.next();
      if (next.done === true) {
        stack.pop();
        continue;
      }
      const [name, id] = next.value;
      const path = `${level.prefix}/${name}`;
      yield [path, this.store.view(id)];
      const children = this.store.children(id);
      if (children !== null && children.size > 0) {
        stack.push({ prefix: path, children: children.entries() });
      }
    }
  }

  private touch(path: string, node: ZNode): void {
    if (this.mutationHook !== null) this.mutationHook(path, node);
  }

  /**
   * Counts a path about to be added; throws OverlongPathsError, before anything changes,
   * when it would take the tree past overlongPathsMax such paths.
   */
  admitPath(path: string): void {
    if (path.length <= v8HashedLengthMax) return;
    if (this.overlongPaths >= overlongPathsMax) throw new OverlongPathsError(path);
    this.overlongPaths++;
  }

  createNode(path: string, fields: NodeFields, zxid: number): ZNode {
    this.admitPath(path);
    const parentPath = parentOf(path);
    const parentId = this.find(parentPath);
    if (parentId < 0) fail(`tree: node ${parentPath} must exist`);
    const parent = this.store.view(parentId);
    if (parent.kind === NodeKind.ephemeral) fail(`tree: child under ephemeral ${parentPath}`);
    const name = ownName(path);
    const taken = this.store.children(parentId)?.has(name) ?? false;
    if (taken) fail(`tree: create of existing ${path}`);
    this.touch(parentPath, parent);
    this.unhash(parentPath, parent);
    parent.creations = (parent.creations + 1) | 0;
    parent.pzxid = zxid;
    this.rehash(parentPath, parent);
    const node = this.store.view(this.store.add(fields));
    node.snapshotGeneration = this.snapshotGeneration;
    this.link(parentPath, parentId, name, node.id);
    this.rehash(path, node);
    this.index(path, node);
    return node;
  }

  /** Adds a node to the indexes (data size, ephemerals per session, reaper candidates). */
  index(path: string, node: NodeFields): void {
    this.dataBytes += node.data === null ? 0 : node.data.length;
    if (node.kind === NodeKind.ephemeral) {
      let owned = this.ephemerals.get(node.ephemeralOwner);
      if (owned === undefined) this.ephemerals.set(node.ephemeralOwner, (owned = new Set()));
      owned.add(path);
    } else if (node.kind === NodeKind.container || node.kind === NodeKind.ttl) {
      this.reapable.add(path);
    }
  }

  /** Removes a node without children; returns its fields as they were. */
  deleteNode(path: string, zxid: number): NodeFields {
    const node = this.mustGet(path);
    if (node.numChildren !== 0) fail(`tree: delete non-empty ${path}`);
    const parentPath = parentOf(path);
    const parentId = this.find(parentPath);
    if (parentId < 0) fail(`tree: node ${parentPath} must exist`);
    const parent = this.store.view(parentId);
    this.touch(path, node);
    this.touch(parentPath, parent);
    this.unhash(path, node);
    const fields = copyFields(node);
    const removed = this.unlink(parentPath, parentId, nameOf(path));
    if (!removed) fail(`tree: ${path} missing from its parent's children`);
    this.store.remove(node.id);
    if (path.length > v8HashedLengthMax) this.overlongPaths--;
    if (zxid > parent.pzxid) {
      this.unhash(parentPath, parent);
      parent.pzxid = zxid;
      this.rehash(parentPath, parent);
    }
    this.dataBytes -= fields.data === null ? 0 : fields.data.length;
    if (fields.kind === NodeKind.ephemeral) {
      const owned = this.ephemerals.get(fields.ephemeralOwner);
      owned?.delete(path);
      if (owned?.size === 0) this.ephemerals.delete(fields.ephemeralOwner);
    } else {
      this.reapable.delete(path);
    }
    return fields;
  }

  setData(path: string, data: string | null, version: number, zxid: number, time: number): ZNode {
    const node = this.mustGet(path);
    this.touch(path, node);
    this.unhash(path, node);
    const before = node.data;
    this.dataBytes += (data === null ? 0 : data.length) - (before === null ? 0 : before.length);
    node.data = data;
    node.version = version;
    node.mzxid = zxid;
    node.mtime = time;
    this.rehash(path, node, true);
    return node;
  }

  setACL(path: string, acl: readonly ACL[], aversion: number): ZNode {
    const node = this.mustGet(path);
    this.touch(path, node);
    this.unhash(path, node);
    node.acl = acl;
    node.aversion = aversion;
    this.rehash(path, node, true);
    return node;
  }

  /** Descendants of a path (not counting itself), for getAllChildrenNumber. */
  countDescendants(path: string): number {
    const start = this.find(path);
    if (start < 0) return 0;
    let total = 0;
    const stack = [start];
    while (stack.length > 0) {
      const at = stack.pop() as number;
      const children = this.store.children(at);
      if (children === null) continue;
      total += children.size;
      if (!this.branches.has(at)) continue;
      for (const id of children.values()) {
        if ((this.store.children(id)?.size ?? 0) > 0) stack.push(id);
      }
    }
    return total;
  }

  /**
   * Adds a node read from a snapshot, without touching its parent's stat or the digest (the
   * snapshot holds both as they were). With `ancestorsLater`, a record may come before its
   * ancestors' (a snapshot copies aside the nodes that change while it is written, and
   * writes them last): they are held as placeholders until their own records arrive.
   * Returns what is wrong with the record, or null.
   */
  loadNode(path: string, fields: NodeFields, ancestorsLater: boolean): string | null {
    if (path === '/') return this.fill(this.root, path, fields, 'the root is listed twice');
    if (path.charCodeAt(0) !== 0x2f) return `a node path ${path} is not absolute`;
    const parentPath = parentOf(path);
    let parentId = this.find(parentPath);
    if (!ancestorsLater && (parentId < 0 || this.placeholders.has(parentId))) {
      return `node ${path} comes before its parent`;
    }
    if (parentId < 0) parentId = this.placeholderPath(parentPath);
    const name = ownName(path);
    const existing = this.store.children(parentId)?.get(name);
    if (existing !== undefined)
      return this.fill(existing, path, fields, `node ${path} is listed twice`);
    this.admitPath(path);
    const id = this.store.add(fields);
    this.link(parentPath, parentId, name, id);
    this.index(path, fields);
    return null;
  }

  /** Gives a placeholder its record (or says the node was listed twice). */
  private fill(id: number, path: string, fields: NodeFields, twice: string): string | null {
    if (!this.placeholders.delete(id)) return twice;
    this.store.write(id, fields);
    this.index(path, fields);
    return null;
  }

  /** The id at a path, made (with any missing ancestors) as placeholders where missing. */
  private placeholderPath(path: string): number {
    let id = this.root;
    let parentPath = '/';
    let from = 1;
    while (from <= path.length) {
      const slash = path.indexOf('/', from);
      const end = slash < 0 ? path.length : slash;
      const prefix = path.slice(0, end);
      const name = ownName(prefix);
      let child = this.store.children(id)?.get(name);
      if (child === undefined) {
        this.admitPath(prefix);
        child = this.store.add(placeholderFields);
        this.link(parentPath, id, name, child);
        this.placeholders.set(child, prefix);
      }
      id = child;
      parentPath = prefix;
      from = end + 1;
    }
    return id;
  }

  /** Ends a load: what is wrong (a node never listed though its children were), or null. */
  finishLoading(): string | null {
    if (this.placeholders.has(this.root)) return 'no root node';
    for (const path of this.placeholders.values()) {
      return `${path} is not listed, though nodes under it are`;
    }
    return null;
  }
}

export function newNode(
  data: string | null,
  acl: readonly ACL[],
  zxid: number,
  time: number,
  kind: NodeKind,
  ephemeralOwner: SessionId,
  ttlMs: number,
): NodeFields {
  return {
    data,
    acl,
    czxid: zxid,
    mzxid: zxid,
    pzxid: zxid,
    ctime: time,
    mtime: time,
    version: 0,
    aversion: 0,
    creations: 0,
    kind,
    ephemeralOwner,
    ttlMs,
  };
}
