/**
 * Snapshot records of the tree: an exact image at one zxid, produced while the tree keeps
 * changing. Nodes are copied lazily: a node about to change (or be deleted) before the writer
 * reached it is copied aside first (copy-on-write) and written at the end, and nodes created
 * meanwhile are skipped. The writer is a generator so the server can interleave it with
 * serving requests. The walk writes parents before children, but the copies come last, so
 * a load may meet a node before its parent.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { DecodeError, JuteReader } from '../protocol/jute-reader.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import { NodeDecoder, NodeEncoder } from './snapshot-node-codec.js';
import { readACLs } from '../protocol/records.js';
import { assert } from '../util/assert.js';
import {
  snapshotNodesPerRecord,
  snapshotRecordBytesMax,
  snapshotRecordBytesTarget,
} from '../util/limits.js';
import { internACL } from './acl-cache.js';
import { DataTree } from './data-tree.js';
import { NodeKind, copyFields, type NodeFields } from './node.js';

/**
 * 4 deflates node records where that saves at least a tenth; 3 writes nodes compactly
 * (snapshot-node-codec.ts); 2 added the tree digest to the header; all are still read, and 1
 * (Warren 0.1.0).
 */
const FORMAT_VERSION = 4;
const RECORD = { header: 1, sessions: 2, nodes: 3, packedNodes: 4 } as const;

/** Bytes of a record deflated first to tell whether the whole is worth deflating. */
const packSampleBytes = 4096;

/**
 * A nodes record deflated (raw deflate at level 1: a few ms per record, and paths, stat
 * fields and most data compress well), or the record itself when that saves too little.
 * ClickHouse Keeper compresses its snapshots by default, ZooKeeper on request.
 */
function pack(record: Buffer): Buffer {
  // Deflate runs at ~40 MB/s on bytes it cannot compress (and ~1 GB/s on text): a sample
  // from the middle of the record decides first, so random data costs a 30th of the work.
  if (record.length > 2 * packSampleBytes) {
    const from = (record.length - packSampleBytes) >> 1;
    const sample = record.subarray(from, from + packSampleBytes);
    if (deflateRawSync(sample, { level: 1 }).length > sample.length * 0.9) return record;
  }
  const packed = deflateRawSync(record.subarray(1), { level: 1 });
  if (packed.length + 1 > record.length * 0.9) return record;
  return Buffer.concat([Buffer.of(RECORD.packedNodes), packed]);
}

/** A packed nodes record's body (count and nodes), inflated within the record size cap. */
function unpack(record: Buffer): Buffer {
  try {
    return inflateRawSync(record.subarray(1), { maxOutputLength: snapshotRecordBytesMax });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new DecodeError(`a packed snapshot record does not inflate: ${why}`);
  }
}

let nextGeneration = 1;

export interface SnapshotImage {
  zxid: number;
  /** Each record is valid until the next one is requested: copy it to keep it. */
  records: Generator<Buffer, void, undefined>;
  /** Nodes written so far (for a progress line; the tree's node count is about the total). */
  readonly nodesWritten: () => number;
  /**
   * Ends the snapshot whatever happened to `records` (call it when done, in a finally): a
   * generator never started, or abandoned, would otherwise leave the tree copying nodes.
   */
  abandon(): void;
}

/** Starts a snapshot of the tree as of now. Consume `records`, then call abandon(). */
export function beginSnapshot(tree: DataTree): SnapshotImage {
  assert(tree.mutationHook === null, 'snapshot: another snapshot is in progress');
  const generation = nextGeneration++;
  const saved = new Map<string, NodeFields>();
  tree.activeSnapshotGeneration = generation;
  tree.mutationHook = (path, node) => {
    if (node.snapshotGeneration === generation) return;
    // Data strings and ACL lists are never changed in place: copying the fields is enough.
    saved.set(path, copyFields(node));
    node.snapshotGeneration = generation;
  };
  const zxid = tree.lastZxid;
  const header = new JuteWriter(64);
  header.writeByte(RECORD.header).writeByte(FORMAT_VERSION).writeLong(zxid);
  header.writeLong(tree.digest);
  const sessions = new JuteWriter(1024);
  sessions.writeByte(RECORD.sessions).writeInt(tree.sessions.size);
  for (const [id, s] of tree.sessions) {
    sessions.writeBigLong(id).writeInt(s.timeoutMs).writeBuffer(s.passwd);
  }
  const hook = tree.mutationHook;
  let written = 0;
  const release = (): void => {
    if (tree.mutationHook !== hook) return;
    tree.mutationHook = null;
    tree.activeSnapshotGeneration = 0;
  };
  function* records(): Generator<Buffer, void, undefined> {
    try {
      yield header.toBuffer();
      yield sessions.toBuffer();
      const w = new NodeEncoder(256 * 1024);
      let count = 0;
      const flush = (): Buffer => {
        // A view, not a copy: the consumer copies it before asking for the next record.
        const out = w.view();
        out.writeInt32BE(count, 1);
        const packed = pack(out);
        w.reset();
        count = 0;
        return packed;
      };
      const start = (): void => {
        w.byte(RECORD.nodes).int(0);
      };
      start();
      for (const [path, node] of tree.entries()) {
        if (node.snapshotGeneration === generation) continue;
        node.snapshotGeneration = generation;
        w.node(path, node);
        written++;
        if (++count === snapshotNodesPerRecord || w.length >= snapshotRecordBytesTarget) {
          yield flush();
          start();
        }
      }
      for (const [path, node] of saved) {
        w.node(path, node);
        written++;
        if (++count === snapshotNodesPerRecord || w.length >= snapshotRecordBytesTarget) {
          yield flush();
          start();
        }
      }
      if (count > 0) yield flush();
    } finally {
      release();
    }
  }
  return { zxid, records: records(), nodesWritten: () => written, abandon: release };
}

/** One shared 0n instead of a fresh bigint per persistent node. */
function sharedZero(value: bigint): bigint {
  return value === 0n ? 0n : value;
}

/** A node of formats 1 and 2: ZooKeeper's DataNode fields, every one written in full. */
function readNode(r: JuteReader): [string, NodeFields] {
  const path = r.readString();
  const data = r.readBinaryString();
  const acl = internACL(readACLs(r) ?? []);
  const node: NodeFields = {
    data,
    acl,
    czxid: r.readLong(),
    mzxid: r.readLong(),
    pzxid: r.readLong(),
    ctime: r.readLong(),
    mtime: r.readLong(),
    version: r.readInt(),
    aversion: r.readInt(),
    creations: r.readInt(),
    kind: r.readByte() as NodeKind,
    ephemeralOwner: sharedZero(r.readBigLong()),
    ttlMs: r.readLong(),
  };
  if (node.kind < 0 || node.kind > 3) throw new DecodeError(`unknown node kind ${node.kind}`);
  return [path, node];
}

/**
 * Rebuilds a tree from snapshot records handed over one at a time, in the order they were
 * written (recovery passes each as it is read from the file). A record may be a view into a
 * buffer the reader reuses: nothing of it is kept (strings and copies only).
 */
export class SnapshotLoader {
  private readonly tree = new DataTree('loading');
  private zxid: number | null = null;
  private digest: number | null = null;
  private version = 0;
  private readonly decoder = new NodeDecoder();

  /** `label` names the snapshot in errors (`snapshot <path>` for a file). */
  constructor(private readonly label = 'snapshot') {}

  /**
   * One record. Throws DecodeError if it is not a valid one of its place, naming the label
   * and `offset` (the record's place in its file) when there is one.
   */
  record(record: Buffer, offset?: number): void {
    if (offset === undefined) {
      this.decode(record);
      return;
    }
    try {
      this.decode(record);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      const message = `${this.label}, record at byte offset ${offset}: ${error.message}`;
      throw new DecodeError(message, { cause: error });
    }
  }

  /** The tree, once every record was given; DecodeError if the records leave it incomplete. */
  finish(): DataTree {
    const tree = this.tree;
    if (this.zxid === null) throw new DecodeError(`${this.label} has no header`);
    const problem = tree.finishLoading();
    if (problem !== null) throw new DecodeError(`${this.label}: ${problem}`);
    tree.lastZxid = this.zxid;
    // The header's digest was the tree's when the image was taken (the records are checksummed
    // on disk); a 0.1.0 snapshot has none, so it is computed.
    tree.digest = this.digest ?? tree.computeDigest();
    return tree;
  }

  private decode(record: Buffer): void {
    const r = new JuteReader(record);
    const type = r.readByte();
    const version = this.version;
    if (type === RECORD.header) {
      this.version = r.readByte();
      if (this.version < 1 || this.version > FORMAT_VERSION) {
        throw new DecodeError(`snapshot format ${this.version} unknown`);
      }
      this.zxid = r.readLong();
      if (this.version >= 2) this.digest = r.readLong();
    } else if (type === RECORD.sessions) {
      const count = r.readInt();
      for (let i = 0; i < count; i++) {
        const id = r.readBigLong();
        const timeoutMs = r.readInt();
        this.tree.sessions.set(id, { timeoutMs, passwd: r.readBuffer() ?? Buffer.alloc(0) });
      }
    } else if (
      (type === RECORD.nodes && version >= 3) ||
      (type === RECORD.packedNodes && version >= 4)
    ) {
      this.compactNodes(type === RECORD.packedNodes ? unpack(record) : record.subarray(1));
      return;
    } else if (type === RECORD.nodes && version >= 1) {
      const count = r.readInt();
      for (let i = 0; i < count; i++) this.load(readNode(r));
    } else if (type === RECORD.nodes) {
      throw new DecodeError('snapshot nodes come before its header');
    } else {
      throw new DecodeError(`unknown snapshot record type ${type}`);
    }
    if (r.remaining !== 0) throw new DecodeError('stray bytes in a snapshot record');
  }

  /** A nodes record's body in formats 3 and 4: a count, then compact nodes. */
  private compactNodes(body: Buffer): void {
    if (body.length < 4) throw new DecodeError('a snapshot nodes record has no count');
    const count = body.readInt32BE(0);
    const decoder = this.decoder;
    decoder.begin(body, 4);
    for (let i = 0; i < count; i++) this.load(decoder.node());
    if (decoder.remaining !== 0) throw new DecodeError('stray bytes in a snapshot record');
  }

  private load([path, node]: [string, NodeFields]): void {
    const problem = this.tree.loadNode(path, node, true);
    if (problem !== null) throw new DecodeError(`snapshot: ${problem}`);
  }
}

/**
 * Rebuilds a tree from snapshot records (in the order they were written); `onRecord` hears
 * of each record's bytes once it is read (a progress line).
 */
export function loadSnapshot(
  records: Iterable<Buffer>,
  onRecord?: (bytes: number) => void,
): DataTree {
  const loader = new SnapshotLoader();
  for (const record of records) {
    loader.record(record);
    onRecord?.(record.length);
  }
  return loader.finish();
}
