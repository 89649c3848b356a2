/**
 * Znodes stored by column, not as one object each. A tree of 1M znodes as objects paid for a
 * header, a boxed number per time field, a full-path key and a child-name string per node;
 * here a znode is a small integer id, its numbers live in typed-array pages off the V8 heap,
 * and its name exists once, as the key in its parent's child map. ZNode is a view over one
 * id, cheap to make and not to be kept: the id is reused once the node is deleted.
 */
import { assert } from '../util/assert.js';
import type { ACL, SessionId } from '../protocol/records.js';
import type { NodeFields, NodeKind } from './node.js';

/** Ids per page: a page is one allocation, so growth never copies the columns already held. */
const pageBits = 12;
const pageSize = 1 << pageBits;
const pageMask = pageSize - 1;

/** Float64 columns (zxids past 2^32 after an import, times in ms): slots per node. */
const F = { czxid: 0, mzxid: 1, pzxid: 2, ctime: 3, mtime: 4 } as const;
const floatsPerNode = 5;
/** Int32 columns: slots per node. */
const I = { version: 0, aversion: 1, creations: 2, kind: 3, hash: 4, generation: 5 } as const;
const intsPerNode = 6;

const noACL: readonly ACL[] = Object.freeze([]);

export class NodeStore {
  private readonly floats: Float64Array[] = [];
  private readonly ints: Int32Array[] = [];
  /** Node data as latin1 strings (one char per byte: far cheaper to hold than a Buffer). */
  private readonly datas: (string | null)[] = [];
  private readonly acls: (readonly ACL[])[] = [];
  /** Child name → id; null while the node has no children (most nodes). */
  private readonly kids: (Map<string, number> | null)[] = [];
  /** The few ephemerals and TTL nodes: sparse columns. */
  private readonly owners = new Map<number, SessionId>();
  private readonly ttls = new Map<number, number>();
  private readonly freeIds: number[] = [];
  /** Freed ids are not handed out again while set (a snapshot walk holds ids). */
  reuseIds = true;
  private liveCount = 0;

  get size(): number {
    return this.liveCount;
  }

  /** A new id holding these fields, with no children. */
  add(fields: NodeFields): number {
    let id: number;
    if (this.reuseIds && this.freeIds.length > 0) id = this.freeIds.pop() as number;
    else {
      id = this.datas.length;
      if ((id & pageMask) === 0) {
        this.floats.push(new Float64Array(pageSize * floatsPerNode));
        this.ints.push(new Int32Array(pageSize * intsPerNode));
      }
      this.datas.push(null);
      this.acls.push(noACL);
      this.kids.push(null);
    }
    this.liveCount++;
    this.write(id, fields);
    this.setInt(id, I.hash, -1);
    this.setInt(id, I.generation, 0);
    return id;
  }

  /** Overwrites every field of a live id (snapshot load fills a placeholder this way). */
  write(id: number, f: NodeFields): void {
    this.datas[id] = f.data;
    this.acls[id] = f.acl;
    this.setFloat(id, F.czxid, f.czxid);
    this.setFloat(id, F.mzxid, f.mzxid);
    this.setFloat(id, F.pzxid, f.pzxid);
    this.setFloat(id, F.ctime, f.ctime);
    this.setFloat(id, F.mtime, f.mtime);
    this.setInt(id, I.version, f.version);
    this.setInt(id, I.aversion, f.aversion);
    this.setInt(id, I.creations, f.creations);
    this.setInt(id, I.kind, f.kind);
    if (f.ephemeralOwner !== 0n) this.owners.set(id, f.ephemeralOwner);
    else this.owners.delete(id);
    if (f.ttlMs !== 0) this.ttls.set(id, f.ttlMs);
    else this.ttls.delete(id);
  }

  remove(id: number): void {
    const kids = this.kids[id];
    assert(kids === null || kids === undefined || kids.size === 0, 'store: remove with children');
    this.datas[id] = null;
    this.acls[id] = noACL;
    this.kids[id] = null;
    this.owners.delete(id);
    this.ttls.delete(id);
    this.freeIds.push(id);
    this.liveCount--;
  }

  view(id: number): ZNode {
    return new ZNode(this, id);
  }

  float(id: number, slot: number): number {
    return (this.floats[id >>> pageBits] as Float64Array)[
      (id & pageMask) * floatsPerNode + slot
    ] as number;
  }

  setFloat(id: number, slot: number, value: number): void {
    (this.floats[id >>> pageBits] as Float64Array)[(id & pageMask) * floatsPerNode + slot] = value;
  }

  int(id: number, slot: number): number {
    return (this.ints[id >>> pageBits] as Int32Array)[
      (id & pageMask) * intsPerNode + slot
    ] as number;
  }

  setInt(id: number, slot: number, value: number): void {
    (this.ints[id >>> pageBits] as Int32Array)[(id & pageMask) * intsPerNode + slot] = value;
  }

  data(id: number): string | null {
    return this.datas[id] as string | null;
  }

  setData(id: number, data: string | null): void {
    this.datas[id] = data;
  }

  acl(id: number): readonly ACL[] {
    return this.acls[id] as readonly ACL[];
  }

  setACL(id: number, acl: readonly ACL[]): void {
    this.acls[id] = acl;
  }

  owner(id: number): SessionId {
    return this.owners.get(id) ?? 0n;
  }

  ttl(id: number): number {
    return this.ttls.get(id) ?? 0;
  }

  children(id: number): Map<string, number> | null {
    return this.kids[id] ?? null;
  }

  childrenForAdding(id: number): Map<string, number> {
    let kids = this.kids[id];
    if (kids === null || kids === undefined) this.kids[id] = kids = new Map();
    return kids;
  }
}

/**
 * One znode, read and written through its store. Mutating a view mutates the tree: only
 * DataTree does that (through its methods, which keep the digest and indexes right).
 */
export class ZNode implements NodeFields {
  constructor(
    private readonly store: NodeStore,
    readonly id: number,
  ) {}

  get data(): string | null {
    return this.store.data(this.id);
  }
  set data(value: string | null) {
    this.store.setData(this.id, value);
  }
  get acl(): readonly ACL[] {
    return this.store.acl(this.id);
  }
  set acl(value: readonly ACL[]) {
    this.store.setACL(this.id, value);
  }
  get czxid(): number {
    return this.store.float(this.id, F.czxid);
  }
  set czxid(value: number) {
    this.store.setFloat(this.id, F.czxid, value);
  }
  get mzxid(): number {
    return this.store.float(this.id, F.mzxid);
  }
  set mzxid(value: number) {
    this.store.setFloat(this.id, F.mzxid, value);
  }
  get pzxid(): number {
    return this.store.float(this.id, F.pzxid);
  }
  set pzxid(value: number) {
    this.store.setFloat(this.id, F.pzxid, value);
  }
  get ctime(): number {
    return this.store.float(this.id, F.ctime);
  }
  set ctime(value: number) {
    this.store.setFloat(this.id, F.ctime, value);
  }
  get mtime(): number {
    return this.store.float(this.id, F.mtime);
  }
  set mtime(value: number) {
    this.store.setFloat(this.id, F.mtime, value);
  }
  get version(): number {
    return this.store.int(this.id, I.version);
  }
  set version(value: number) {
    this.store.setInt(this.id, I.version, value);
  }
  get aversion(): number {
    return this.store.int(this.id, I.aversion);
  }
  set aversion(value: number) {
    this.store.setInt(this.id, I.aversion, value);
  }
  /** Child creations ever (ZooKeeper's stored cversion); the sequential counter. */
  get creations(): number {
    return this.store.int(this.id, I.creations);
  }
  set creations(value: number) {
    this.store.setInt(this.id, I.creations, value);
  }
  get kind(): NodeKind {
    return this.store.int(this.id, I.kind) as NodeKind;
  }
  get ephemeralOwner(): SessionId {
    return this.store.owner(this.id);
  }
  get ttlMs(): number {
    return this.store.ttl(this.id);
  }
  /** The path, data and ACL part of this node's digest share (digest.ts); -1: not known. */
  get hash(): number {
    return this.store.int(this.id, I.hash);
  }
  set hash(value: number) {
    this.store.setInt(this.id, I.hash, value);
  }
  /** Snapshot generation that already captured this node (see snapshot-codec). */
  get snapshotGeneration(): number {
    return this.store.int(this.id, I.generation);
  }
  set snapshotGeneration(value: number) {
    this.store.setInt(this.id, I.generation, value);
  }
  get numChildren(): number {
    return this.store.children(this.id)?.size ?? 0;
  }
  /** Child names in creation order. */
  childNames(): IterableIterator<string> {
    return (this.store.children(this.id) ?? noChildren).keys();
  }
}

const noChildren: ReadonlyMap<string, number> = new Map();
