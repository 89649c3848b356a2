/**
 * Checks that a concurrent history is linearizable against a model. By P-compositionality a
 * history is linearizable exactly when each partition (for ZooKeeper: each znode path) is, so
 * every partition is searched alone, in key order, with its own step budget. A definite
 * violation wins over a partition whose budget ran out.
 */
import { explainViolation } from './explain.js';
import { validateOperation, type Operation } from './history.js';
import type { Model } from './model.js';
import { searchLinearization } from './search.js';
import { shrinkViolation } from './shrink.js';

export interface CheckOptions {
  /** Search steps allowed per partition before giving up with `ok: 'unknown'`. */
  budgetSteps?: number;
  /** Failing partitions with at most this many relevant operations are shrunk. */
  shrinkMaxOps?: number;
  /** Search steps allowed for shrinking one failing partition. */
  shrinkBudgetSteps?: number;
}

export const DEFAULT_BUDGET_STEPS = 1_000_000;
export const DEFAULT_SHRINK_MAX_OPS = 200;
export const DEFAULT_SHRINK_BUDGET_STEPS = 200_000;

export type CheckResult<I, O> =
  | { ok: true; partitions: number; steps: number }
  | {
      ok: false;
      /** The partition (znode path) that is not linearizable. */
      key: string;
      reason: string;
      /** A small failing sub-history of that partition, in call order. */
      ops: Operation<I, O>[];
      /** Where those operations sit in the history passed in. */
      opIndices: number[];
    }
  | { ok: 'unknown'; key: string; reason: string };

export function checkHistory<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult<I, O> {
  const budgetSteps = options.budgetSteps ?? DEFAULT_BUDGET_STEPS;
  const partitions = partitionHistory(model, history);
  let unknown: CheckResult<I, O> | undefined;
  let totalSteps = 0;
  for (const [key, indices] of partitions) {
    const ops = indices.map((index) => history[index] as Operation<I, O>);
    const outcome = searchLinearization(model, ops, budgetSteps);
    totalSteps += outcome.steps;
    if (outcome.verdict === 'budgetExceeded') {
      const reason = `partition ${JSON.stringify(key)}: gave up after ${budgetSteps} steps`;
      unknown ??= { ok: 'unknown', key, reason };
      continue;
    }
    if (outcome.verdict === 'linearizable') continue;
    const limits = {
      maxOps: options.shrinkMaxOps ?? DEFAULT_SHRINK_MAX_OPS,
      budgetSteps: options.shrinkBudgetSteps ?? DEFAULT_SHRINK_BUDGET_STEPS,
    };
    const kept = shrinkViolation(model, ops, outcome.relevantOps, limits);
    kept.sort((a, b) => (ops[a]?.call ?? 0) - (ops[b]?.call ?? 0) || a - b);
    const failing = kept.map((position) => ({
      op: ops[position] as Operation<I, O>,
      index: indices[position] ?? -1,
    }));
    const longestOrder = longestOrderWithin(model, failing, kept, outcome.longestOrder);
    return {
      ok: false,
      key,
      reason: explainViolation(model, key, failing, longestOrder, ops.length),
      ops: failing.map((f) => f.op),
      opIndices: failing.map((f) => f.index),
    };
  }
  return unknown ?? { ok: true, partitions: partitions.size, steps: totalSteps };
}

/**
 * The longest valid prefix of the failing operations, as positions in `kept`. If shrinking
 * dropped none of it, the first search already found it; otherwise the (small) rest is searched.
 */
function longestOrderWithin<S, I, O>(
  model: Model<S, I, O>,
  failing: readonly { op: Operation<I, O> }[],
  kept: readonly number[],
  firstLongestOrder: readonly number[],
): number[] {
  const positionInKept = new Map(kept.map((opIndex, position) => [opIndex, position]));
  const mapped = firstLongestOrder.map((opIndex) => positionInKept.get(opIndex));
  if (mapped.every((position) => position !== undefined)) return mapped;
  const ops = failing.map((f) => f.op);
  const again = searchLinearization(model, ops, DEFAULT_SHRINK_BUDGET_STEPS);
  return again.verdict === 'violation' ? again.longestOrder : [];
}

/** Indices of the history's checked operations, grouped by partition key, keys sorted. */
function partitionHistory<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  history.forEach((op, index) => {
    validateOperation(op, index);
    if (op.staleReadAllowed === true) return;
    // A read that never returned constrains nothing.
    if (op.output === undefined && model.isReadOnly?.(op.input, undefined) === true) return;
    const key = model.partitionKey?.(op.input) ?? '';
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [index]);
    else group.push(index);
  });
  return new Map([...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
