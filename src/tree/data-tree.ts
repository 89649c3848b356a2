/**
 * The data tree: znodes by full path, the session table and the indexes the server needs
 * (ephemerals per session, containers and TTL nodes for the reaper). It only offers the
 * primitive mutations apply() composes; every mutation asserts the invariants it relies on.
 * Replicated state lives here and nowhere else, so a snapshot of this object is a snapshot of
 * the service.
 */
import { assert } from '../util/assert.js';
import { overlongPathsMax, v8HashedLengthMax } from '../util/limits.js';
import type { ACL, SessionId } from '../protocol/records.js';
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE } from './acl.js';
import { addHash, baseHash, nodeHash, removeHash, sessionHash } from './digest.js';
import { NodeKind, type ZNode } from './node.js';
import { CONFIG_PATH, QUOTA_PATH, ZOOKEEPER_PATH, nameOf, parentOf } from './path.js';

export interface SessionRecord {
  timeoutMs: number;
  passwd: Buffer;
}

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

export class DataTree {
  readonly nodes = new Map<string, ZNode>();
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
  /** Non-zero while a snapshot is being written: new nodes are born already 'captured'. */
  activeSnapshotGeneration = 0;

  constructor() {
    this.nodes.set('/', newNode('', OPEN_ACL_UNSAFE, 0, 0, NodeKind.persistent, 0n, 0));
    this.addSystemNode(ZOOKEEPER_PATH, OPEN_ACL_UNSAFE);
    this.addSystemNode(QUOTA_PATH, OPEN_ACL_UNSAFE);
    this.addSystemNode(CONFIG_PATH, READ_ACL_UNSAFE);
    // ZooKeeper sets the config node's ACL with version -1, leaving aversion at -1.
    this.mustGet(CONFIG_PATH).aversion = -1;
    this.digest = this.computeDigest();
  }

  /** The digest from scratch (a loaded snapshot, and the simulator's cross-check). */
  computeDigest(): number {
    let digest = 0;
    for (const [path, node] of this.nodes) {
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
    assert(!this.sessions.has(id), `tree: session 0x${id.toString(16)} added twice`);
    this.sessions.set(id, record);
    this.digest = addHash(this.digest, sessionHash(id, record.timeoutMs));
  }

  removeSession(id: SessionId): void {
    const record = this.sessions.get(id);
    assert(record !== undefined, `tree: no session 0x${id.toString(16)} to remove`);
    this.sessions.delete(id);
    this.digest = removeHash(this.digest, sessionHash(id, record.timeoutMs));
  }

  private addSystemNode(path: string, acl: readonly ACL[]): void {
    const node = newNode('', acl, 0, 0, NodeKind.persistent, 0n, 0);
    this.nodes.set(path, node);
    const parent = this.mustGet(parentOf(path));
    (parent.children ??= new Set()).add(nameOf(path));
  }

  get(path: string): ZNode | undefined {
    return this.nodes.get(path);
  }

  mustGet(path: string): ZNode {
    const node = this.nodes.get(path);
    assert(node !== undefined, `tree: node ${path} must exist`);
    return node;
  }

  get nodeCount(): number {
    return this.nodes.size;
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

  createNode(path: string, node: ZNode, zxid: number): void {
    this.admitPath(path);
    assert(!this.nodes.has(path), `tree: create of existing ${path}`);
    const parentPath = parentOf(path);
    const parent = this.mustGet(parentPath);
    assert(parent.kind !== NodeKind.ephemeral, `tree: child under ephemeral ${parentPath}`);
    this.touch(parentPath, parent);
    this.unhash(parentPath, parent);
    parent.creations = (parent.creations + 1) | 0;
    parent.pzxid = zxid;
    this.rehash(parentPath, parent);
    (parent.children ??= new Set()).add(nameOf(path));
    node.snapshotGeneration = this.activeSnapshotGeneration;
    this.nodes.set(path, node);
    this.rehash(path, node);
    this.index(path, node);
  }

  /** Adds a node to the indexes (data size, ephemerals per session, reaper candidates). */
  index(path: string, node: ZNode): void {
    this.dataBytes += node.data === null ? 0 : node.data.length;
    if (node.kind === NodeKind.ephemeral) {
      let owned = this.ephemerals.get(node.ephemeralOwner);
      if (owned === undefined) this.ephemerals.set(node.ephemeralOwner, (owned = new Set()));
      owned.add(path);
    } else if (node.kind === NodeKind.container || node.kind === NodeKind.ttl) {
      this.reapable.add(path);
    }
  }

  deleteNode(path: string, zxid: number): ZNode {
    const node = this.mustGet(path);
    assert(node.children === null || node.children.size === 0, `tree: delete non-empty ${path}`);
    const parentPath = parentOf(path);
    const parent = this.mustGet(parentPath);
    this.touch(path, node);
    this.touch(parentPath, parent);
    this.unhash(path, node);
    this.nodes.delete(path);
    if (path.length > v8HashedLengthMax) this.overlongPaths--;
    const removed = parent.children?.delete(nameOf(path)) ?? false;
    assert(removed, `tree: ${path} missing from its parent's children`);
    if (zxid > parent.pzxid) {
      this.unhash(parentPath, parent);
      parent.pzxid = zxid;
      this.rehash(parentPath, parent);
    }
    this.dataBytes -= node.data === null ? 0 : node.data.length;
    if (node.kind === NodeKind.ephemeral) {
      const owned = this.ephemerals.get(node.ephemeralOwner);
      owned?.delete(path);
      if (owned?.size === 0) this.ephemerals.delete(node.ephemeralOwner);
    } else {
      this.reapable.delete(path);
    }
    return node;
  }

  setData(path: string, data: string | null, version: number, zxid: number, time: number): ZNode {
    const node = this.mustGet(path);
    this.touch(path, node);
    this.unhash(path, node);
    this.dataBytes +=
      (data === null ? 0 : data.length) - (node.data === null ? 0 : node.data.length);
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
    const node = this.nodes.get(path);
    if (node === undefined || node.children === null) return 0;
    let total = 0;
    const stack: string[] = [path];
    while (stack.length > 0) {
      const current = stack.pop() as string;
      const children = this.nodes.get(current)?.children;
      if (children === null || children === undefined) continue;
      for (const name of children) {
        total++;
        stack.push(current === '/' ? `/${name}` : `${current}/${name}`);
      }
    }
    return total;
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
): ZNode {
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
    children: null,
    snapshotGeneration: 0,
    hash: -1,
  };
}
