/**
 * The generic checker on a toy model (one register, no partitions): witnesses, the step
 * budget, input validation, and the recorder that real-process tests use.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkHistory,
  HistoryRecorder,
  type Model,
  type Operation,
} from '../../support/linearizability/index.js';

type RegisterInput = { write: number } | { read: true };
const register: Model<number, RegisterInput, number> = {
  init: () => 0,
  step: (state, input, output) => {
    if ('write' in input) return input.write;
    return output === undefined || output === state ? state : undefined;
  },
  stateKey: (state) => String(state),
  isReadOnly: (input) => 'read' in input,
};
const write = (clientId: number, call: number, ret: number, value: number) =>
  ({ clientId, call, ret, input: { write: value }, output: 0 }) as Operation<RegisterInput, number>;
const read = (clientId: number, call: number, ret: number, value: number) =>
  ({ clientId, call, ret, input: { read: true }, output: value }) as Operation<
    RegisterInput,
    number
  >;

describe('checkHistory on a register', () => {
  it('accepts concurrent writes read in either order and rejects a flip-flop', () => {
    const writes = [write(1, 0, 10, 1), write(2, 0, 10, 2)];
    assert.equal(checkHistory(register, [...writes, read(3, 11, 12, 2)]).ok, true);
    assert.equal(checkHistory(register, [...writes, read(3, 11, 12, 1)]).ok, true);
    const flipFlop = [...writes, read(3, 1, 2, 1), read(3, 3, 4, 2), read(3, 5, 6, 1)];
    const result = checkHistory(register, flipFlop);
    assert.equal(result.ok, false);
    assert.equal(result.ok === false && result.key, '');
  });

  it('treats operations whose times touch as concurrent', () => {
    assert.equal(checkHistory(register, [write(1, 0, 5, 1), read(2, 5, 6, 0)]).ok, true);
    assert.equal(checkHistory(register, [write(1, 0, 5, 1), read(2, 6, 7, 0)]).ok, false);
  });

  it('answers unknown when the step budget runs out', () => {
    const history: Operation<RegisterInput, number>[] = [];
    for (let i = 0; i < 12; i++) history.push(write(i, 0, 100, i + 1));
    history.push(read(99, 101, 102, 0));
    const result = checkHistory(register, history, { budgetSteps: 1000 });
    assert.equal(result.ok, 'unknown');
    assert.equal(checkHistory(register, history).ok, false);
  });

  it('rejects malformed operations', () => {
    assert.throws(() => checkHistory(register, [write(1, 5, 4, 1)]), RangeError);
    assert.throws(() => checkHistory(register, [write(1, NaN, 4, 1)]), RangeError);
    const noOutput = { ...read(1, 0, 1, 0), output: undefined };
    assert.throws(() => checkHistory(register, [noOutput]), RangeError);
  });
});

describe('HistoryRecorder', () => {
  it('stamps calls and returns with its clock and reports unresolved calls as unknown', () => {
    let now = 0;
    const recorder = new HistoryRecorder<RegisterInput, number>(() => ++now);
    const a = recorder.invoke(1, { write: 7 });
    const b = recorder.invoke(2, { read: true });
    const c = recorder.invoke(3, { read: true }, { staleReadAllowed: true });
    recorder.invoke(4, { write: 8 });
    a.ok(0);
    b.unknown();
    c.ok(7);
    assert.throws(() => a.ok(0), /resolved twice/);
    const history = recorder.history();
    assert.deepEqual(
      history.map((o) => [o.clientId, o.call, o.ret, o.output, o.staleReadAllowed]),
      [
        [1, 1, 5, 0, undefined],
        [2, 2, Infinity, undefined, undefined],
        [3, 3, 6, 7, true],
        [4, 4, Infinity, undefined, undefined],
      ],
    );
    assert.equal(checkHistory(register, history).ok, true);
  });

  it('uses a monotonic clock by default', () => {
    const recorder = new HistoryRecorder<RegisterInput, number>();
    for (let i = 0; i < 100; i++) recorder.invoke(1, { write: i }).ok(0);
    const history = recorder.history();
    for (const [i, o] of history.entries()) {
      assert.ok(o.call <= o.ret);
      if (i > 0) assert.ok((history[i - 1]?.ret ?? 0) <= o.call);
    }
  });
});
