/**
 * The reply to a write, built once its txn is applied: the response record depends on the
 * request's opcode (create → path, create2/container/TTL → path + Stat, ...), and a multi
 * answers one result per sub-op in ZooKeeper's layout (protocol §6.2).
 */
import { Err } from '../protocol/error-codes.js';
import { OpCode } from '../protocol/opcodes.js';
import type { MultiRequest, SetACLRequest, WriteSubRequest } from '../protocol/requests.js';
import { EMPTY, type MultiResult, type Response } from '../protocol/responses.js';
import type { ApplyResult, OpResult } from '../tree/apply.js';
import type { Txn } from '../tree/txn.js';
import { assert } from '../util/assert.js';

export interface WriteReply {
  err: number;
  response: Response | null;
}

function single(type: number, op: OpResult): Response {
  switch (type) {
    case OpCode.create:
      return { kind: 'path', path: op.path };
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      assert(op.stat !== null, 'create result without stat');
      return { kind: 'pathStat', path: op.path, stat: op.stat };
    case OpCode.setData:
    case OpCode.setACL:
      assert(op.stat !== null, 'update result without stat');
      return { kind: 'stat', stat: op.stat };
    default:
      return EMPTY;
  }
}

/** Multi result types mirror the request; create2, container and TTL answer as type 15. */
function multiType(type: number): number {
  if (type === OpCode.createContainer || type === OpCode.createTTL) return OpCode.create2;
  return type;
}

export function writeReply(
  req: WriteSubRequest | SetACLRequest | MultiRequest,
  txn: Txn,
  result: ApplyResult,
): WriteReply {
  const body = txn.body;
  if (body.type === 'error') return { err: body.err, response: null };
  if (body.type === 'multiError') {
    const results: MultiResult[] = body.errs.map((err) => ({
      type: OpCode.error,
      err,
      response: { kind: 'errorBody', err },
    }));
    return { err: Err.ok, response: { kind: 'multi', results } };
  }
  if (req.type === OpCode.multi) {
    assert(result.ops.length === req.ops.length, 'multi result count mismatch');
    const results: MultiResult[] = req.ops.map((sub, i) => ({
      type: multiType(sub.type),
      err: Err.ok,
      response: single(multiType(sub.type), result.ops[i] as OpResult),
    }));
    return { err: Err.ok, response: { kind: 'multi', results } };
  }
  assert(result.ops.length === 1, 'single write with several results');
  return { err: Err.ok, response: single(req.type, result.ops[0] as OpResult) };
}
