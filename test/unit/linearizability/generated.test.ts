/**
 * Random histories, linearizable by construction (see generate.ts), must pass; the same
 * histories with one reply mutated must mostly fail, and always when a read returns data that
 * was never written. Also times a 2,000-operation history (printed, not asserted).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { Prng } from '../../support/prng.js';
import { generateZnodeHistory } from '../../support/linearizability/generate.js';
import {
  checkHistory,
  znodeModel,
  type Operation,
  type ZnodeInput,
  type ZnodeOutput,
} from '../../support/linearizability/index.js';

type ZOp = Operation<ZnodeInput, ZnodeOutput>;
const SEEDS = 40;
const small = { clients: 5, keys: 3, ops: 120, unknownChance: 0.05, maxLatency: 6 };

/** A different reply for `op`, and whether it is a read of never-written data. */
function mutate(prng: Prng, op: ZOp): { output: ZnodeOutput; neverWritten: boolean } {
  const output = op.output as ZnodeOutput;
  if (op.input.kind === 'get' && output.code === 'ok' && prng.chance(0.5)) {
    return { output: { ...output, data: 'never-written' }, neverWritten: true };
  }
  if (output.code === 'ok' && output.version !== undefined && prng.chance(0.5)) {
    const version = output.version + (prng.chance(0.5) ? 1 : -1);
    return { output: { ...output, version }, neverWritten: false };
  }
  const codes = (['ok', 'noNode', 'nodeExists', 'badVersion'] as const).filter(
    (code) => code !== output.code,
  );
  return { output: { code: prng.pick(codes) }, neverWritten: false };
}

describe('generated znode histories', () => {
  it('accepts every history generated from a sequential execution', () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const history = generateZnodeHistory(new Prng(seed), small);
      const result = checkHistory(znodeModel, history);
      assert.equal(result.ok, true, `seed ${seed}: ${result.ok === false ? result.reason : ''}`);
    }
  });

  it('rejects most single-reply mutations and every read of never-written data', () => {
    let mutations = 0;
    let caught = 0;
    let neverWrittenReads = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const prng = new Prng(1000 + seed);
      const history = generateZnodeHistory(new Prng(seed), small);
      for (let trial = 0; trial < 10; trial++) {
        const target = prng.pick(history.filter((op) => op.output !== undefined));
        const { output, neverWritten } = mutate(prng, target);
        const index = history.indexOf(target);
        const mutated = history.map((op, i) => (i === index ? { ...op, output } : op));
        const result = checkHistory(znodeModel, mutated);
        assert.notEqual(result.ok, 'unknown', `seed ${seed} trial ${trial}`);
        mutations++;
        if (result.ok === false) {
          caught++;
          assert.ok(result.opIndices.includes(index) || !neverWritten);
        }
        if (neverWritten) {
          neverWrittenReads++;
          assert.equal(result.ok, false, `seed ${seed}: never-written read accepted`);
        }
      }
    }
    console.log(
      `mutations caught: ${caught}/${mutations} (${neverWrittenReads} never-written reads)`,
    );
    assert.ok(neverWrittenReads > 0);
    assert.ok(caught >= mutations * 0.6, `only ${caught} of ${mutations} mutations caught`);
  });

  it('checks 2,000 operations over 20 keys from 8 clients quickly', () => {
    const options = { clients: 8, keys: 20, ops: 2000, unknownChance: 0.02, maxLatency: 10 };
    const history = generateZnodeHistory(new Prng(7), options);
    const started = performance.now();
    const result = checkHistory(znodeModel, history);
    const elapsed = performance.now() - started;
    assert.equal(result.ok, true);
    const steps = result.ok === true ? result.steps : 0;
    console.log(`2000 ops / 20 keys / 8 clients: ${elapsed.toFixed(1)} ms, ${steps} steps`);
  });
});
