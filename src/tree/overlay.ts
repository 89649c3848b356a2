/**
 * The pending-change overlay (ZooKeeper's outstanding ChangeRecords). Writes are prepared
 * before the writes ahead of them are durable and applied, so validation must see the
 * committed tree plus every prepared-but-unapplied change. Each record remembers the zxid of
 * the txn that wrote it and is dropped once that txn is applied.
 */
import { assert, fail } from '../util/assert.js';
import { overlayRecordsMax } from '../util/limits.js';
import type { ACL, SessionId } from '../protocol/records.js';
import type { DataTree } from './data-tree.js';
import type { NodeKind } from './node.js';

/** The parts of a node that validation looks at. */
export interface NodeView {
  version: number;
  aversion: number;
  creations: number;
  numChildren: number;
  kind: NodeKind;
  ephemeralOwner: SessionId;
  acl: readonly ACL[];
  mtime: number;
  ttlMs: number;
}

/** Read/write access to node views for one prepare; null means "does not exist". */
export interface StateView {
  lookup(path: string): NodeView | null;
  put(path: string, node: NodeView | null): void;
}

interface PendingRecord {
  zxid: number;
  node: NodeView | null;
}

export class Overlay {
  private readonly records = new Map<string, PendingRecord>();
  /** (zxid, path) in write order, to drop records as their txns apply. */
  private readonly written: { zxid: number; path: string; previous: PendingRecord | undefined }[] =
    [];
  private writtenHead = 0;

  constructor(private readonly tree: DataTree) {}

  get size(): number {
    return this.records.size;
  }

  lookup(path: string): NodeView | null {
    const record = this.records.get(path);
    if (record !== undefined) return record.node;
    const node = this.tree.get(path);
    if (node === undefined) return null;
    return {
      version: node.version,
      aversion: node.aversion,
      creations: node.creations,
      numChildren: node.numChildren,
      kind: node.kind,
      ephemeralOwner: node.ephemeralOwner,
      acl: node.acl,
      mtime: node.mtime,
      ttlMs: node.ttlMs,
    };
  }

  /** Pending paths whose latest view is an ephemeral owned by the session. */
  pendingEphemerals(sessionId: SessionId): string[] {
    const out: string[] = [];
    for (const [path, record] of this.records) {
      if (record.node !== null && record.node.ephemeralOwner === sessionId) out.push(path);
    }
    return out;
  }

  /** Whether a pending record says the path was deleted (or recreated). */
  pendingRecord(path: string): { node: NodeView | null } | undefined {
    return this.records.get(path);
  }

  record(zxid: number, path: string, node: NodeView | null): void {
    assert(this.records.size < overlayRecordsMax, 'overlay: too many pending changes');
    const previous = this.records.get(path);
    this.records.set(path, { zxid, node });
    this.written.push({ zxid, path, previous });
  }

  /** Drops the records of every txn up to and including zxid (now applied). */
  applied(zxid: number): void {
    while (this.writtenHead < this.written.length) {
      const entry = this.written[this.writtenHead];
      if (entry === undefined || entry.zxid > zxid) break;
      const record = this.records.get(entry.path);
      if (record !== undefined && record.zxid === entry.zxid) this.records.delete(entry.path);
      this.writtenHead++;
    }
    if (this.writtenHead > 1024 && this.writtenHead * 2 > this.written.length) {
      this.written.splice(0, this.writtenHead);
      this.writtenHead = 0;
    }
  }

  /**
   * Takes back the newest prepared txn (consensus refused to log it): its records go and the
   * ones they had replaced come back. Only the newest txn may be discarded.
   */
  discardLatest(zxid: number): void {
    while (this.written.length > this.writtenHead) {
      const entry = this.written[this.written.length - 1];
      if (entry === undefined || entry.zxid !== zxid) break;
      this.written.pop();
      if (entry.previous === undefined) this.records.delete(entry.path);
      else this.records.set(entry.path, entry.previous);
    }
    for (const { zxid: z } of this.written.slice(this.writtenHead)) {
      if (z >= zxid) fail(`overlay: discarding ${zxid} with newer txn ${z} pending`);
    }
  }

  /** Forget everything pending (the writes failed and will never apply). */
  clear(): void {
    this.records.clear();
    this.written.length = 0;
    this.writtenHead = 0;
  }
}

/** A scratch layer for one request: multi validates against its own earlier sub-ops. */
export class ScratchView implements StateView {
  readonly changes = new Map<string, NodeView | null>();

  constructor(private readonly base: { lookup(path: string): NodeView | null }) {}

  lookup(path: string): NodeView | null {
    const changed = this.changes.get(path);
    if (changed !== undefined) return changed;
    if (this.changes.has(path)) return null;
    return this.base.lookup(path);
  }

  put(path: string, node: NodeView | null): void {
    this.changes.set(path, node);
  }
}
