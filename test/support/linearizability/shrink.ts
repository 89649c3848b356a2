/**
 * Makes a failing partition small enough to read. First it keeps only the operations the search
 * looked at (see `relevantOps`), then it greedily drops read-only operations (reads and failed
 * writes, per `Model.isReadOnly`) one at a time, keeping each drop after which the rest is
 * still provably not linearizable. Writes stay: without them later operations would fail for a
 * reason the real history does not have. Capped twice: only histories of
 * at most `maxOps` are shrunk, and all re-checks together spend at most `budgetSteps`.
 */
import type { Model } from './model.js';
import { searchLinearization, type SearchOperation } from './search.js';

export interface ShrinkLimits {
  maxOps: number;
  budgetSteps: number;
}

/** Returns indices into `ops` of a (locally) minimal non-linearizable sub-history. */
export function shrinkViolation<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly SearchOperation<I, O>[],
  relevantOps: readonly number[],
  limits: ShrinkLimits,
): number[] {
  let kept = [...relevantOps].sort((a, b) => a - b);
  if (kept.length > limits.maxOps) return kept;
  let budget = limits.budgetSteps;
  for (let i = kept.length - 1; i >= 0 && budget > 0; i--) {
    const candidate = ops[kept[i] ?? -1];
    if (candidate === undefined || model.isReadOnly?.(candidate.input, candidate.output) !== true) {
      continue;
    }
    const trial = kept.filter((_, position) => position !== i);
    const outcome = searchLinearization(
      model,
      trial.map((index) => ops[index] as SearchOperation<I, O>),
      budget,
    );
    budget -= outcome.steps;
    if (outcome.verdict !== 'violation') continue;
    kept = outcome.relevantOps.map((position) => trial[position] ?? -1).sort((a, b) => a - b);
    i = Math.min(i, kept.length);
  }
  return kept;
}
