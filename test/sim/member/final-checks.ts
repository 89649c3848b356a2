/**
 * Checks run once the members have healed and converged:
 * - no acknowledged write was lost: each acked create/setData/delete is the committed txn at
 *   its zxid, and the final tree shows the last committed txn on each checked key (so every acked
 *   write is either visible or superseded by a later committed one);
 * - the clients' history is linearizable against the znode model.
 */
import { decodeEntry } from '../../../src/replication/entry-codec.js';
import type { DataTree } from '../../../src/tree/data-tree.js';
import { checkHistory, znodeModel } from '../../support/linearizability/index.js';
import { SafetyViolation } from '../checkers.js';
import type { AckedWrite, ZnodeOperation } from './history.js';
import { isCheckedKey } from './sim-client.js';
import { check, type AppliedLog } from './state-checkers.js';

type Touch = 'create' | 'setData' | 'delete';

/** Per committed index, what each txn did to which path. */
function committedTouches(log: AppliedLog): Map<number, Map<string, Touch>> {
  const out = new Map<number, Map<string, Touch>>();
  for (const [index, data] of log.entries) {
    const payload = decodeEntry(data);
    if (payload === null || payload.kind !== 'txn' || payload.txn.body.type !== 'ops') continue;
    const touched = new Map<string, Touch>();
    for (const op of payload.txn.body.ops) {
      if (op.type === 'create' || op.type === 'setData' || op.type === 'delete') {
        touched.set(op.path, op.type);
      }
    }
    out.set(index, touched);
  }
  return out;
}

export function checkNoAckedWriteLost(
  acked: readonly AckedWrite[],
  log: AppliedLog,
  tree: DataTree,
): void {
  const touches = committedTouches(log);
  const last = new Map<string, { zxid: number; touch: Touch }>();
  for (const [zxid, touched] of [...touches].sort(([a], [b]) => a - b)) {
    for (const [path, touch] of touched) if (isCheckedKey(path)) last.set(path, { zxid, touch });
  }
  for (const write of acked) {
    const touch = touches.get(write.zxid)?.get(write.input.path);
    check(
      touch === write.input.kind,
      `client ${write.clientId}'s acked ${write.input.kind} ${write.input.path} at zxid ` +
        `${write.zxid} is not the committed txn there (found ${touch ?? 'nothing'})`,
    );
  }
  for (const [path, { zxid, touch }] of last) {
    const node = tree.get(path);
    const shown =
      touch === 'delete'
        ? node === undefined
        : node !== undefined && (touch === 'create' ? node.czxid : node.mzxid) === zxid;
    check(shown, `the final tree does not show the last committed ${touch} ${path} (${zxid})`);
  }
}

export function checkLinearizable(ops: readonly ZnodeOperation[]): void {
  const result = checkHistory(znodeModel, ops);
  if (result.ok === true) return;
  if (result.ok === 'unknown') {
    throw new SafetyViolation(`linearizability check gave up: ${result.reason}`);
  }
  throw new SafetyViolation(`history not linearizable on ${result.key}:\n${result.reason}`);
}
