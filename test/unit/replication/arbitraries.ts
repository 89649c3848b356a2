/** fast-check arbitraries for txns, entry payloads and write inputs. */
import fc from 'fast-check';
import type { ACL } from '../../../src/protocol/records.js';
import type { MultiRequest, SetACLRequest } from '../../../src/protocol/requests.js';
import type { EntryPayload } from '../../../src/replication/entry-codec.js';
import type { ClientWrite, WriteInput } from '../../../src/replication/write-input.js';
import type { NodeKind } from '../../../src/tree/node.js';
import type { Txn, TxnBody, TxnOp } from '../../../src/tree/txn.js';
import {
  acl,
  acls,
  aclsOrNull,
  bigLong,
  buffer,
  bufferOrNull,
  int32,
  long,
  rec,
  str,
  multiWriteSub,
  writeSub,
} from '../protocol/arbitraries.js';

const op: fc.Arbitrary<TxnOp> = fc.oneof(
  rec({
    type: fc.constant('create' as const),
    path: str,
    data: bufferOrNull,
    acl: fc.array(acl, { maxLength: 3 }) as fc.Arbitrary<readonly ACL[]>,
    kind: fc.constantFrom<NodeKind[]>(0, 1, 2, 3),
    ephemeralOwner: bigLong,
    ttlMs: long,
  }),
  rec({ type: fc.constant('delete' as const), path: str }),
  rec({ type: fc.constant('setData' as const), path: str, data: bufferOrNull, version: int32 }),
  rec({
    type: fc.constant('setACL' as const),
    path: str,
    acl: acls as fc.Arbitrary<readonly ACL[]>,
    aversion: int32,
  }),
  rec({ type: fc.constant('check' as const), path: str }),
);

const body: fc.Arbitrary<TxnBody> = fc.oneof(
  rec({ type: fc.constant('ops' as const), ops: fc.array(op, { maxLength: 4 }) }),
  rec({ type: fc.constant('error' as const), err: int32 }),
  rec({ type: fc.constant('multiError' as const), errs: fc.array(int32, { maxLength: 5 }) }),
  rec({
    type: fc.constant('createSession' as const),
    sessionId: bigLong,
    timeoutMs: int32,
    passwd: buffer,
  }),
  rec({ type: fc.constant('closeSession' as const), sessionId: bigLong }),
);

export const txn: fc.Arbitrary<Txn> = rec({ zxid: long, time: long, sessionId: bigLong, body });

const check = rec({ index: long, digest: fc.integer({ min: 0, max: 2 ** 48 - 1 }) });

export const entryPayload: fc.Arbitrary<EntryPayload> = fc.oneof(
  rec({ kind: fc.constant('txn' as const), origin: int32, requestId: long, check, txn }),
  rec({ kind: fc.constant('barrier' as const), origin: int32, requestId: long, check }),
);

const ids = fc.array(rec({ scheme: str, id: str }), { maxLength: 3 });

const setACL: fc.Arbitrary<SetACLRequest> = rec({
  type: fc.constant(7 as const),
  path: str,
  acl: aclsOrNull,
  version: int32,
});
const multi: fc.Arbitrary<MultiRequest> = rec({
  type: fc.constant(14 as const),
  ops: fc.array(multiWriteSub, { maxLength: 4 }),
});
const clientWrite: fc.Arbitrary<ClientWrite> = fc.oneof(writeSub, setACL, multi);

/** Every variant, keyed by its type so a failure names it. */
export const writeInputByType: Record<WriteInput['type'], fc.Arbitrary<WriteInput>> = {
  request: rec({
    type: fc.constant('request' as const),
    sessionId: bigLong,
    ids,
    request: clientWrite,
  }),
  createSession: rec({
    type: fc.constant('createSession' as const),
    sessionId: bigLong,
    timeoutMs: int32,
    passwd: buffer,
  }),
  closeSession: rec({ type: fc.constant('closeSession' as const), sessionId: bigLong }),
  reap: rec({ type: fc.constant('reap' as const), path: str }),
  barrier: fc.constant({ type: 'barrier' as const }),
  setConfig: rec({ type: fc.constant('setConfig' as const), sessionId: bigLong, ids, text: str }),
};

export const writeInput: fc.Arbitrary<WriteInput> = fc.oneof(...Object.values(writeInputByType));
