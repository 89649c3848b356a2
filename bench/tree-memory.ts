/**
 * Live bytes per znode (V8 heap plus ArrayBuffers) of the data tree alone, without a server:
 * N creates of 100-byte values through applyTxn (as the write path applies them), then the
 * same tree written as a snapshot and loaded back (as a restart builds it). The nodes sit
 * under /bench/pNNNN/nNNNNNNNNNN, --fanout children per parent. Run with --expose-gc so each
 * figure is live data, not garbage:
 *   node --expose-gc dist/bench/tree-memory.js [--nodes 1000000] [--fanout 1000]
 */
import { OPEN_ACL_UNSAFE } from '../src/tree/acl.js';
import { applyTxn } from '../src/tree/apply.js';
import { DataTree } from '../src/tree/data-tree.js';
import { NodeKind } from '../src/tree/node.js';
import { beginSnapshot, loadSnapshot } from '../src/tree/snapshot-codec.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? (args[at + 1] ?? fallback) : fallback;
};
const nodes = Number(flag('nodes', '1000000'));
const fanout = Number(flag('fanout', '1000'));

const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('run with node --expose-gc');

/** Live bytes: the V8 heap plus ArrayBuffers (the tree's typed-array columns live there). */
function heapUsed(): number {
  collect?.();
  collect?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

function create(tree: DataTree, path: string, data: Buffer): void {
  const zxid = tree.lastZxid + 1;
  const op = {
    type: 'create' as const,
    path,
    data,
    acl: OPEN_ACL_UNSAFE,
    kind: NodeKind.persistent,
    ephemeralOwner: 0n,
    ttlMs: 0,
  };
  applyTxn(tree, {
    zxid,
    time: 1_700_000_000_000 + zxid,
    sessionId: 0n,
    body: { type: 'ops', ops: [op] },
  });
}

function build(): DataTree {
  const tree = new DataTree();
  const data = Buffer.alloc(100, 0x61);
  create(tree, '/bench', data);
  for (let i = 0; i < nodes; i++) {
    const parent = `/bench/p${String(Math.floor(i / fanout)).padStart(4, '0')}`;
    if (i % fanout === 0) create(tree, parent, data);
    create(tree, `${parent}/n${String(i).padStart(10, '0')}`, data);
  }
  return tree;
}

function snapshotRecords(tree: DataTree): Buffer[] {
  const image = beginSnapshot(tree);
  const records: Buffer[] = [];
  try {
    for (const record of image.records) records.push(Buffer.from(record));
  } finally {
    image.abandon();
  }
  return records;
}

const empty = heapUsed();
let started = performance.now();
let tree: DataTree | null = build();
const buildMs = performance.now() - started;
const count = tree.nodeCount;
const built = heapUsed() - empty;
const records = snapshotRecords(tree);
const snapshotBytes = records.reduce((sum, r) => sum + r.length, 0);
tree = null;
const withRecords = heapUsed();
started = performance.now();
let loaded: DataTree | null = loadSnapshot(records);
const loadMs = performance.now() - started;
const afterLoad = heapUsed() - withRecords;
if (loaded.nodeCount !== count) throw new Error(`loaded ${loaded.nodeCount} of ${count} nodes`);
loaded = null;

const perNode = (bytes: number): string => (bytes / count).toFixed(0);
console.log(`znodes: ${count} (fanout ${fanout}, 100-byte values)`);
const mib = (built / 2 ** 20).toFixed(0);
console.log(`built by applyTxn: ${perNode(built)} B/znode (${mib} MiB), ${buildMs.toFixed(0)} ms`);
console.log(`loaded from snapshot: ${perNode(afterLoad)} B/znode, ${loadMs.toFixed(0)} ms`);
console.log(
  `snapshot: ${perNode(snapshotBytes)} B/znode (${(snapshotBytes / 2 ** 20).toFixed(0)} MiB)`,
);
