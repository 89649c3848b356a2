/** ZooKeeper request opcodes (ZooDefs.OpCode). */
export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;
export type OpCode = (typeof OpCode)[keyof typeof OpCode];

/**
 * Requests that change the tree (and closeSession, which ends one): the server turns them into
 * txns through the leader. A multi counts even when all its sub-ops are reads (it is answered
 * through the write path, as ZooKeeper does); multiRead is a read.
 */
export const CLIENT_WRITE_OPCODES: ReadonlySet<number> = new Set([
  OpCode.create,
  OpCode.create2,
  OpCode.createContainer,
  OpCode.createTTL,
  OpCode.delete,
  OpCode.setData,
  OpCode.setACL,
  OpCode.check,
  OpCode.multi,
]);

/** Client writes plus closeSession: what waits for nothing but an earlier sync. */
export const WRITE_OPCODES: ReadonlySet<number> = new Set([
  ...CLIENT_WRITE_OPCODES,
  OpCode.closeSession,
]);

/**
 * Requests that read the tree, answered by the server the client is connected to (and sent
 * through the leader's commit point first when linearizable reads are on).
 */
export const READ_OPCODES: ReadonlySet<number> = new Set([
  OpCode.exists,
  OpCode.getData,
  OpCode.getChildren,
  OpCode.getChildren2,
  OpCode.getACL,
  OpCode.getAllChildrenNumber,
  OpCode.getEphemerals,
  OpCode.multiRead,
]);

const NAMES = new Map<number, string>(Object.entries(OpCode).map(([k, v]) => [v, k]));

export function opName(op: number): string {
  return NAMES.get(op) ?? `op${op}`;
}

/** Reserved xids (section 1.2 of the protocol reference). */
export const Xid = {
  notification: -1,
  ping: -2,
  auth: -4,
  setWatches: -8,
} as const;

/** Create flags (CreateMode). */
export const CreateFlag = {
  persistent: 0,
  ephemeral: 1,
  persistentSequential: 2,
  ephemeralSequential: 3,
  container: 4,
  persistentWithTtl: 5,
  persistentSequentialWithTtl: 6,
} as const;

export const EventType = {
  none: -1,
  nodeCreated: 1,
  nodeDeleted: 2,
  nodeDataChanged: 3,
  nodeChildrenChanged: 4,
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

export const KeeperState = { syncConnected: 3 } as const;

/** checkWatches/removeWatches watcher types. */
export const WatcherType = {
  children: 1,
  data: 2,
  any: 3,
  persistent: 4,
  persistentRecursive: 5,
} as const;

export const AddWatchMode = { persistent: 0, persistentRecursive: 1 } as const;

export const Perm = {
  read: 1,
  write: 2,
  create: 4,
  delete: 8,
  admin: 16,
  all: 31,
} as const;
