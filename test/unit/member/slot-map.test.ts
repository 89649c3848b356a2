/**
 * SlotMap behaves as a Map from small integers: a naive twin (a Map) is driven with the same
 * random sets, gets and deletes, colliding keys (same slot) included, while the ring grows
 * from 2 slots to its limit of 16 and past it, and they must agree.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SlotMap } from '../../../src/member/slot-map.js';

describe('SlotMap', () => {
  it('agrees with a Map on random operations, collisions included', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom('set', 'delete', 'get'), fc.integer({ min: 0, max: 40 })),
        ),
        (ops) => {
          const slots = new SlotMap<number>(4, 1);
          const twin = new Map<number, number>();
          ops.forEach(([op, key], i) => {
            if (op === 'set' && !twin.has(key)) {
              slots.set(key, i);
              twin.set(key, i);
            } else if (op === 'delete') {
              assert.equal(slots.delete(key), twin.delete(key));
            }
            assert.equal(slots.get(key), twin.get(key));
            assert.equal(slots.size, twin.size);
          });
          assert.deepEqual(
            slots.entries().sort(([a], [b]) => a - b),
            [...twin].sort(([a], [b]) => a - b),
          );
          assert.equal(slots.get(-1), undefined);
          assert.equal(slots.delete(-1), false);
        },
      ),
      { numRuns: 500 },
    );
  });
});
