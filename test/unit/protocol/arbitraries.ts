/**
 * fast-check arbitraries for the jute records, every request type and every response kind.
 * Values stay inside what the codec promises to carry exactly: longs as safe integers (session
 * ids as bigint), strings as well-formed Unicode, -1 ttl for create opcodes without the field.
 */
import fc from 'fast-check';
import type { ACL, Stat } from '../../../src/protocol/records.js';
import type {
  CreateOpCode,
  CreateRequest,
  MultiReadRequest,
  MultiRequest,
  PathWatchRequest,
  Request,
  WriteSubRequest,
} from '../../../src/protocol/requests.js';
import type { MultiResult, Response } from '../../../src/protocol/responses.js';

/** fc.record with ordinary prototypes, so assert.deepStrictEqual compares like with like. */
export function rec<T extends object>(model: {
  [K in keyof T]: fc.Arbitrary<T[K]>;
}): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
}

export const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
export const long = fc.maxSafeInteger();
export const bigLong = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
export const str = fc.string({ unit: 'binary', maxLength: 12 });
export const strs = fc.array(str, { maxLength: 4 });
export const buffer = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b));
export const bufferOrNull = fc.option(buffer, { nil: null });

export const acl: fc.Arbitrary<ACL> = rec({
  perms: int32,
  id: rec({ scheme: str, id: str }),
});
export const acls = fc.array(acl, { maxLength: 3 });
export const aclsOrNull = fc.option(acls, { nil: null });

export const stat: fc.Arbitrary<Stat> = rec({
  czxid: long,
  mzxid: long,
  ctime: long,
  mtime: long,
  version: int32,
  cversion: int32,
  aversion: int32,
  ephemeralOwner: bigLong,
  dataLength: int32,
  numChildren: int32,
  pzxid: long,
});

function create(type: CreateOpCode): fc.Arbitrary<CreateRequest> {
  return rec({
    type: fc.constant(type),
    path: str,
    data: bufferOrNull,
    acl: aclsOrNull,
    flags: int32,
    ttl: type === 21 ? long : fc.constant(-1),
  });
}

export const writeSub: fc.Arbitrary<WriteSubRequest> = fc.oneof(
  create(1),
  create(15),
  create(19),
  create(21),
  rec({ type: fc.constant(2 as const), path: str, version: int32 }),
  rec({ type: fc.constant(5 as const), path: str, data: bufferOrNull, version: int32 }),
  rec({ type: fc.constant(13 as const), path: str, version: int32 }),
);

/**
 * A sub-op of a multi that reads back as itself: multi bodies are read the way ZooKeeper 3.9
 * reads them, where the create mode picks the create opcode (requests.ts, readMultiCreate).
 */
function multiCreate(type: CreateOpCode, flags: fc.Arbitrary<number>) {
  return rec({
    type: fc.constant(type),
    path: str,
    data: bufferOrNull,
    acl: aclsOrNull,
    flags,
    ttl: type === 21 ? long : fc.constant(-1),
  });
}

export const multiWriteSub: fc.Arbitrary<WriteSubRequest> = fc.oneof(
  multiCreate(1, fc.integer({ min: 0, max: 3 })),
  multiCreate(15, fc.integer({ min: 0, max: 3 })),
  multiCreate(19, fc.integer({ min: 0, max: 4 })),
  multiCreate(21, fc.constantFrom(5, 6)),
  rec({ type: fc.constant(2 as const), path: str, version: int32 }),
  rec({ type: fc.constant(5 as const), path: str, data: bufferOrNull, version: int32 }),
  rec({ type: fc.constant(13 as const), path: str, version: int32 }),
);

function pathWatch(type: PathWatchRequest['type']): fc.Arbitrary<PathWatchRequest> {
  return rec({ type: fc.constant(type), path: str, watch: fc.boolean() });
}

const readSub = fc.oneof(pathWatch(4), pathWatch(8));

/** Opcodes decodeRequest does not serve: answered Unimplemented by the server. */
export const unknownOpcode = fc
  .oneof(int32, fc.constantFrom(0, 10, 20, 102, -10, -1))
  .filter((op) => !KNOWN_REQUEST_OPCODES.has(op));

export const KNOWN_REQUEST_OPCODES = new Set([
  1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 100, 101, 102, 103, 104,
  105, 106, 107, -11,
]);

const setWatches = rec({
  type: fc.constant(101 as const),
  relativeZxid: long,
  dataWatches: strs,
  existWatches: strs,
  childWatches: strs,
  persistentWatches: fc.constant<string[]>([]),
  persistentRecursiveWatches: fc.constant<string[]>([]),
});

const setWatches2 = rec({
  type: fc.constant(105 as const),
  relativeZxid: long,
  dataWatches: strs,
  existWatches: strs,
  childWatches: strs,
  persistentWatches: strs,
  persistentRecursiveWatches: strs,
});

/** Every request type, keyed by a readable name so failures say which one broke. */
export const requestByKind: Record<string, fc.Arbitrary<Request>> = {
  create: create(1),
  create2: create(15),
  createContainer: create(19),
  createTTL: create(21),
  delete: rec({ type: fc.constant(2 as const), path: str, version: int32 }),
  exists: pathWatch(3),
  getData: pathWatch(4),
  setData: rec({
    type: fc.constant(5 as const),
    path: str,
    data: bufferOrNull,
    version: int32,
  }),
  getACL: rec({ type: fc.constant(6 as const), path: str }),
  setACL: rec({ type: fc.constant(7 as const), path: str, acl: aclsOrNull, version: int32 }),
  getChildren: pathWatch(8),
  sync: rec({ type: fc.constant(9 as const), path: str }),
  ping: fc.constant({ type: 11 as const }),
  getChildren2: pathWatch(12),
  check: rec({ type: fc.constant(13 as const), path: str, version: int32 }),
  multi: fc.oneof(
    rec({ type: fc.constant(14 as const), ops: fc.array(multiWriteSub, { maxLength: 5 }) }),
    fc.constant<MultiRequest>({ type: 14, ops: [], unreadable: true }),
  ),
  reconfig: rec({
    type: fc.constant(16 as const),
    joiningServers: str,
    leavingServers: str,
    newMembers: str,
    curConfigId: long,
  }),
  checkWatches: rec({ type: fc.constant(17 as const), path: str, watcherType: int32 }),
  removeWatches: rec({ type: fc.constant(18 as const), path: str, watcherType: int32 }),
  multiRead: fc.oneof(
    rec({ type: fc.constant(22 as const), ops: fc.array(readSub, { maxLength: 5 }) }),
    fc.constant<MultiReadRequest>({ type: 22, ops: [], refused: true }),
  ),
  auth: rec({ type: fc.constant(100 as const), scheme: str, auth: buffer }),
  setWatches,
  getEphemerals: rec({ type: fc.constant(103 as const), prefix: str }),
  getAllChildrenNumber: rec({ type: fc.constant(104 as const), path: str }),
  setWatches2,
  addWatch: rec({ type: fc.constant(106 as const), path: str, mode: int32 }),
  whoAmI: fc.constant({ type: 107 as const }),
  sasl: fc
    .uint8Array({ maxLength: 64 })
    .map((token) => ({ type: 102 as const, token: Buffer.from(token) })),
  closeSession: fc.constant({ type: -11 as const }),
  unknown: unknownOpcode.map((opcode) => ({ type: 'unknown' as const, opcode })),
};

export const anyRequest: fc.Arbitrary<Request> = fc.oneof(...Object.values(requestByKind));

/** The opcode a request is sent under. */
export function opcodeOf(req: Request): number {
  return req.type === 'unknown' ? req.opcode : req.type;
}

const errCode = fc.constantFrom(-2, -5, -8, -101, -102, -103, -108, -110, -111, -114);

export const responseKinds = {
  empty: fc.constant({ kind: 'empty' as const }),
  path: rec({ kind: fc.constant('path' as const), path: str }),
  pathStat: rec({ kind: fc.constant('pathStat' as const), path: str, stat }),
  stat: rec({ kind: fc.constant('stat' as const), stat }),
  data: rec({ kind: fc.constant('data' as const), data: bufferOrNull, stat }),
  acl: rec({ kind: fc.constant('acl' as const), acl: acls, stat }),
  children: rec({ kind: fc.constant('children' as const), children: strs }),
  children2: rec({ kind: fc.constant('children2' as const), children: strs, stat }),
  count: rec({ kind: fc.constant('count' as const), count: int32 }),
  paths: rec({ kind: fc.constant('paths' as const), paths: strs }),
  whoAmI: rec({
    kind: fc.constant('whoAmI' as const),
    clients: fc.array(rec({ authScheme: str, user: str }), { maxLength: 3 }),
  }),
  errorBody: rec({ kind: fc.constant('errorBody' as const), err: int32 }),
};

const multiResult: fc.Arbitrary<MultiResult> = fc.oneof(
  fc.oneof(errCode, fc.constant(0)).map((err) => ({
    type: -1,
    err,
    response: { kind: 'errorBody' as const, err },
  })),
  responseKinds.path.map((response) => ({ type: 1, err: 0, response })),
  responseKinds.pathStat.map((response) => ({ type: 15, err: 0, response })),
  fc.constant({ type: 2, err: 0, response: { kind: 'empty' as const } }),
  responseKinds.stat.map((response) => ({ type: 5, err: 0, response })),
  fc.constant({ type: 13, err: 0, response: { kind: 'empty' as const } }),
  responseKinds.data.map((response) => ({ type: 4, err: 0, response })),
  responseKinds.children.map((response) => ({ type: 8, err: 0, response })),
);

export const multiResponse: fc.Arbitrary<Response> = rec({
  kind: fc.constant('multi' as const),
  results: fc.array(multiResult, { maxLength: 5 }),
});
