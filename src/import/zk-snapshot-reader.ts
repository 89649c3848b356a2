/**
 * Reads a ZooKeeper snapshot (FileSnap, 3.4–3.9) into a Warren tree: file header, sessions,
 * the ACL table (nodes name their ACL by a number; -1 is world:anyone:cdrwa), the nodes in
 * pre-order ("" for the root, a lone "/" ends them), then the Adler-32 seal; 3.6+ adds the
 * digest of the tree at some zxid and 3.9 the last processed zxid, each sealed again.
 */
import type { ACL } from '../protocol/records.js';
import { OPEN_ACL_UNSAFE } from '../tree/acl.js';
import { internACL } from '../tree/acl-cache.js';
import { DataTree } from '../tree/data-tree.js';
import type { NodeFields } from '../tree/node.js';
import { damaged } from './import-error.js';
import type { Adler32 } from './adler32.js';
import {
  zkAclEntriesMax,
  zkAclTableEntriesMax,
  zkDataBytesMax,
  zkSessionsMax,
  zkStringBytesMax,
} from './import-limits.js';
import { FieldError, ZkCursor } from './zk-cursor.js';
import { nodeTypeOf } from './zk-node-kind.js';
import { zooKeeperSessionPassword } from './zk-session-password.js';
import type { ZkStream } from './zk-stream.js';

const snapMagic = 0x5a4b534e; // "ZKSN"
const openAclId = -1n;
/** The longest trailer: a digest (with a version-1 hex string) and the last zxid, sealed. */
const trailerBytesMax = 4096;

export interface ZkDigestMark {
  zxid: number;
  version: number;
  digest: bigint;
}

export interface ZkSnapshot {
  tree: DataTree;
  /** The digest ZooKeeper recorded with the snapshot, when it did (3.6+). */
  digest: ZkDigestMark | null;
}

/** Reads one ACL list; a null vector is an empty list. */
export function readAclList(c: ZkCursor): ACL[] {
  const count = c.count(zkAclEntriesMax, 'an ACL list');
  const out: ACL[] = [];
  for (let i = 0; i < count; i++) {
    const perms = c.int();
    const scheme = c.string(zkStringBytesMax, 'an ACL scheme');
    out.push({ perms, id: { scheme, id: c.string(zkStringBytesMax, 'an ACL id') } });
  }
  return out;
}

/** Reads the whole snapshot; `progress` is called every few thousand nodes. */
export async function readZkSnapshot(stream: ZkStream, progress: () => void): Promise<ZkSnapshot> {
  const file = stream.file;
  const cut = (): never => {
    throw damaged(file, stream.offset, 'the snapshot ends early (a partial copy?)');
  };
  const magic = (await stream.read((c) => [c.int(), c.int(), c.bigLong()] as const)) ?? cut();
  if (magic[0] !== snapMagic) throw damaged(file, 0, 'not a ZooKeeper snapshot (bad magic)');
  const tree = new DataTree('loading');
  await readSessions(stream, tree, cut);
  const acls = await readAclTable(stream, cut);
  await readNodes(stream, tree, acls, progress, cut);
  await readSeal(stream, stream.adler.clone(), cut);
  const digest = await readTrailer(stream, stream.adler.clone());
  return { tree, digest };
}

async function readSessions(stream: ZkStream, tree: DataTree, cut: () => never) {
  const count = (await stream.read((c) => c.count(zkSessionsMax, 'the session table'))) ?? cut();
  let left = count;
  if (left === 0) return;
  const ending = await stream.readEach((c) => {
    const id = c.bigLong();
    const timeoutMs = c.int();
    tree.sessions.set(id, { timeoutMs, passwd: zooKeeperSessionPassword(id) });
    return --left > 0;
  });
  if (ending === 'torn') cut();
}

async function readAclTable(stream: ZkStream, cut: () => never) {
  const acls = new Map<bigint, readonly ACL[]>();
  let left = (await stream.read((c) => c.count(zkAclTableEntriesMax, 'the ACL table'))) ?? cut();
  if (left === 0) return acls;
  const ending = await stream.readEach((c) => {
    const id = c.bigLong();
    acls.set(id, internACL(readAclList(c)));
    return --left > 0;
  });
  if (ending === 'torn') cut();
  return acls;
}

async function readNodes(
  stream: ZkStream,
  tree: DataTree,
  acls: Map<bigint, readonly ACL[]>,
  progress: () => void,
  cut: () => never,
) {
  let count = 0;
  const ending = await stream.readEach((c) => {
    const zkPath = c.string(zkStringBytesMax, 'a path');
    if (zkPath === '/') return false;
    const node = readNode(c, acls);
    addNode(tree, zkPath === '' ? '/' : zkPath, node);
    if (++count % 4096 === 0) progress();
    return true;
  });
  if (ending === 'torn') cut();
  const problem = tree.finishLoading();
  if (problem !== null) throw damaged(stream.file, stream.offset, `the snapshot has ${problem}`);
}

function readNode(c: ZkCursor, acls: Map<bigint, readonly ACL[]>): NodeFields {
  const data = c.binaryString(zkDataBytesMax, 'node data');
  const aclId = c.bigLong();
  const acl = aclId === openAclId ? OPEN_ACL_UNSAFE : acls.get(aclId);
  if (acl === undefined) throw new FieldError(`a node names ACL ${aclId}, not in the ACL table`);
  const czxid = c.long('czxid');
  const mzxid = c.long('mzxid');
  const ctime = c.long('ctime');
  const mtime = c.long('mtime');
  const version = c.int();
  const creations = c.int();
  const aversion = c.int();
  const owner = c.bigLong();
  const pzxid = c.long('pzxid');
  const type = nodeTypeOf(owner);
  if (type === null) throw new FieldError(`unknown node type in ephemeralOwner ${owner}`);
  return {
    data,
    acl,
    czxid,
    mzxid,
    pzxid,
    ctime,
    mtime,
    version,
    aversion,
    creations,
    ...type,
  };
}

/** Pre-order: a node's parent is always already there. */
function addNode(tree: DataTree, path: string, node: NodeFields): void {
  const problem = tree.loadNode(path, node, false);
  if (problem !== null) throw new FieldError(problem);
}

/** A seal: the Adler-32 of everything before it, then the string "/". */
async function readSeal(stream: ZkStream, expected: Adler32, cut: () => never) {
  const at = stream.offset;
  const seal = (await stream.read((c) => [c.checksum(), c.string(16, 'a seal')] as const)) ?? cut();
  if (seal[0] !== expected.value) {
    throw damaged(stream.file, at, 'the snapshot fails its Adler-32 checksum');
  }
  if (seal[1] !== '/') throw damaged(stream.file, at, 'the checksum is not followed by "/"');
}

const lastZxidPartBytes = 8 + 8 + 4 + 1;

/** The optional digest and last-zxid parts after the first seal (told apart by length). */
async function readTrailer(stream: ZkStream, adler: Adler32): Promise<ZkDigestMark | null> {
  const start = stream.offset;
  const bytes = await stream.rest(trailerBytesMax);
  const c = ZkCursor.of(bytes);
  const fail = (problem: string) => damaged(stream.file, start + c.pos, problem);
  const sealed = (from: number) => {
    adler.update(bytes, from, c.pos);
    const value = c.checksum();
    if (value !== adler.value) throw fail('a trailer fails its Adler-32 checksum');
    const slash = c.string(16, 'a seal');
    if (slash !== '/') throw fail('a trailer checksum is not followed by "/"');
    adler.update(bytes, c.pos - 13, c.pos);
  };
  let digest: ZkDigestMark | null = null;
  try {
    if (bytes.length !== 0 && bytes.length !== lastZxidPartBytes) {
      const zxid = c.long('the digest zxid');
      const version = c.int();
      const value = version < 2 ? BigInt(`0x${c.string(64, 'a digest') || '0'}`) : c.bigLong();
      sealed(0);
      digest = zxid > 0 ? { zxid, version, digest: BigInt.asUintN(64, value) } : null;
    }
    if (c.remaining === lastZxidPartBytes) {
      const from = c.pos;
      c.long('the last processed zxid');
      sealed(from);
    }
  } catch (error) {
    if (error instanceof FieldError || error instanceof SyntaxError) throw fail(error.message);
    throw error;
  }
  if (c.remaining !== 0) throw fail(`${c.remaining} unexpected bytes at the end`);
  return digest;
}
