/**
 * SyncBatcher: one barrier serves every sync that arrived before it was sent; syncs arriving
 * while it is in flight share the next one; each barrier's result reaches its syncs; a
 * barrier answered synchronously works; the number waiting is capped.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SyncBatcher } from '../../../src/member/sync-batcher.js';
import { syncWaitersMax } from '../../../src/util/limits.js';

type Done = (ok: boolean) => void;

function scripted() {
  const barriers: Done[] = [];
  const batcher = new SyncBatcher((done) => void barriers.push(done));
  const results = new Map<string, boolean[]>();
  const sync = (name: string) =>
    batcher.add((ok) => results.set(name, [...(results.get(name) ?? []), ok]));
  return { barriers, batcher, results, sync };
}

function settle(barriers: Done[], index: number, ok: boolean): void {
  const done = barriers[index];
  assert.ok(done !== undefined, `no barrier ${index}`);
  done(ok);
}

describe('SyncBatcher', () => {
  it('sends one barrier at once; syncs arriving meanwhile share the next one', () => {
    const { barriers, batcher, results, sync } = scripted();
    sync('a');
    assert.equal(barriers.length, 1);
    sync('b');
    sync('c');
    assert.equal(barriers.length, 1, 'no second barrier while one is in flight');
    assert.equal(batcher.waiting, 3);
    settle(barriers, 0, true);
    assert.deepEqual([...results], [['a', [true]]]);
    assert.equal(barriers.length, 2, 'the next barrier goes as soon as the first returns');
    sync('d');
    assert.equal(barriers.length, 2);
    settle(barriers, 1, false);
    assert.deepEqual(results.get('b'), [false]);
    assert.deepEqual(results.get('c'), [false]);
    assert.equal(results.has('d'), false);
    settle(barriers, 2, true);
    assert.deepEqual(results.get('d'), [true]);
    assert.equal(barriers.length, 3);
    assert.equal(batcher.waiting, 0);
    // Idle again: the next sync sends at once.
    sync('e');
    assert.equal(barriers.length, 4);
  });

  it('works with a barrier that answers synchronously', () => {
    let sent = 0;
    const batcher = new SyncBatcher((done) => {
      sent++;
      done(sent % 2 === 1);
    });
    const got: boolean[] = [];
    for (let i = 0; i < 4; i++) batcher.add((ok) => got.push(ok));
    assert.deepEqual(got, [true, false, true, false]);
    assert.equal(sent, 4);
    assert.equal(batcher.waiting, 0);
  });

  it('a sync added from a completion callback is served by a later barrier', () => {
    const { barriers, results, sync, batcher } = scripted();
    batcher.add((ok) => {
      results.set('first', [ok]);
      sync('nested');
    });
    settle(barriers, 0, true);
    assert.deepEqual(results.get('first'), [true]);
    assert.equal(barriers.length, 2);
    assert.equal(results.has('nested'), false);
    settle(barriers, 1, true);
    assert.deepEqual(results.get('nested'), [true]);
  });

  it(`refuses at once beyond ${syncWaitersMax} waiting syncs`, () => {
    const { barriers, batcher } = scripted();
    let answered = 0;
    let refused = 0;
    for (let i = 0; i < syncWaitersMax; i++) batcher.add(() => answered++);
    assert.equal(batcher.waiting, syncWaitersMax);
    batcher.add((ok) => {
      assert.equal(ok, false);
      refused++;
    });
    assert.equal(refused, 1);
    assert.equal(answered, 0);
    settle(barriers, 0, true);
    settle(barriers, 1, true);
    assert.equal(answered, syncWaitersMax);
    assert.equal(batcher.waiting, 0);
  });
});
