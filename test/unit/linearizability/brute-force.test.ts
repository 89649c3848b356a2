/**
 * Cross-checks the search (memo, dominance of pending operations, pending-last ordering) against
 * an exhaustive search with no pruning, on thousands of tiny random histories, half of them with
 * a corrupted reply. Both must agree on every one.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../support/prng.js';
import { generateZnodeHistory } from '../../support/linearizability/generate.js';
import {
  checkHistory,
  znodeModel,
  type Operation,
  type ZnodeInput,
  type ZnodeOutput,
  type ZnodeState,
} from '../../support/linearizability/index.js';

type ZOp = Operation<ZnodeInput, ZnodeOutput>;
const CASES = 3000;

/** Every order that respects real time; pending operations may be left out. */
function bruteForce(ops: readonly ZOp[], state: ZnodeState, done: ReadonlySet<number>): boolean {
  const remaining = ops.map((_, i) => i).filter((i) => !done.has(i));
  if (remaining.every((i) => ops[i]?.ret === Infinity)) return true;
  return remaining.some((i) => {
    const op = ops[i] as ZOp;
    const mustPrecede = remaining.some((j) => (ops[j]?.ret ?? 0) < op.call);
    if (mustPrecede) return false;
    const after = znodeModel.step(state, op.input, op.output);
    return after !== undefined && bruteForce(ops, after, new Set([...done, i]));
  });
}

function corrupt(prng: Prng, output: ZnodeOutput): ZnodeOutput {
  switch (prng.int(3)) {
    case 0:
      return { code: prng.pick(['ok', 'noNode', 'nodeExists', 'badVersion'] as const) };
    case 1:
      return { code: 'ok', data: output.code === 'ok' ? 'c0-0' : 'x', version: prng.int(3) };
    default:
      return { code: 'ok', version: prng.int(3) };
  }
}

describe('search agrees with exhaustive search', () => {
  it(`on ${CASES} tiny histories`, () => {
    const prng = new Prng(4242);
    let linearizable = 0;
    for (let n = 0; n < CASES; n++) {
      const options = { clients: 3, keys: 1, ops: 3 + prng.int(5), unknownChance: 0.25 };
      const history = generateZnodeHistory(prng.fork(), { ...options, maxLatency: 4 });
      const mutated = history.map((op) =>
        op.output !== undefined && prng.chance(0.15)
          ? { ...op, output: corrupt(prng, op.output) }
          : op,
      );
      const expected = bruteForce(mutated, znodeModel.init(), new Set());
      const actual = checkHistory(znodeModel, mutated).ok;
      assert.equal(actual, expected, `case ${n}: ${JSON.stringify(mutated)}`);
      if (expected) linearizable++;
    }
    console.log(`brute force: ${linearizable}/${CASES} linearizable`);
    assert.ok(linearizable > CASES / 5 && linearizable < CASES * 0.9);
  });
});
