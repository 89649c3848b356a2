/**
 * Turns a non-linearizable partition into text a person can act on: the operations, the longest
 * order that worked, the state it reached, and the operation that could not come next.
 */
import type { Operation } from './history.js';
import type { Model } from './model.js';

export function describeOperation<S, I, O>(
  model: Model<S, I, O>,
  op: Operation<I, O>,
  index: number,
): string {
  const what =
    model.describeOperation?.(op.input, op.output) ??
    `${JSON.stringify(op.input)} -> ${op.output === undefined ? '?' : JSON.stringify(op.output)}`;
  const ret = op.ret === Infinity ? 'never' : String(op.ret);
  return `op ${index} (client ${op.clientId}, call ${op.call}, return ${ret}): ${what}`;
}

function describeState<S, I, O>(model: Model<S, I, O>, state: S): string {
  return model.describeState?.(state) ?? model.stateKey(state);
}

/**
 * `ops` are the failing operations with their indices in the caller's history; `longestOrder`
 * indexes into `ops`.
 */
export function explainViolation<S, I, O>(
  model: Model<S, I, O>,
  key: string,
  ops: readonly { op: Operation<I, O>; index: number }[],
  longestOrder: readonly number[],
  partitionSize: number,
): string {
  const lines = [
    `partition ${JSON.stringify(key)}: no linearization of these ${ops.length} operations` +
      ` (${partitionSize} in the partition):`,
    ...ops.map(({ op, index }) => `  ${describeOperation(model, op, index)}`),
  ];
  let state = model.init();
  lines.push(`longest valid order found, from ${describeState(model, state)}:`);
  for (const position of longestOrder) {
    const entry = ops[position];
    if (entry === undefined) continue;
    state = model.step(state, entry.op.input, entry.op.output) ?? state;
    lines.push(`  op ${entry.index} => ${describeState(model, state)}`);
  }
  const done = new Set(longestOrder);
  const blocked = ops
    .filter((_, position) => !done.has(position))
    .filter(({ op }) => op.ret !== Infinity)
    .sort((a, b) => a.op.ret - b.op.ret)[0];
  if (blocked !== undefined) {
    const fits = model.step(state, blocked.op.input, blocked.op.output) !== undefined;
    lines.push(
      `then op ${blocked.index}, which returned at ${blocked.op.ret}, ` +
        (fits
          ? 'would fit, but no order of the remaining operations completes the history'
          : `is impossible in ${describeState(model, state)}`),
    );
  }
  return lines.join('\n');
}
