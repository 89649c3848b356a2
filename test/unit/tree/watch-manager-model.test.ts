/**
 * WatchManager against a plain model (kind → path → set of sessions, in registration order):
 * after any sequence of adds, removes, session drops and change events, the same watches are
 * held, the same sessions are notified in the same order, and the listings agree. The manager
 * keeps a path's only watcher as itself rather than in a Set of one, so this checks every
 * change between one watcher, several and none.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EventType } from '../../../src/protocol/opcodes.js';
import type { SessionId } from '../../../src/protocol/records.js';
import { WatchManager, type Kind } from '../../../src/tree/watch-manager.js';
import { parentOf } from '../../../src/tree/path.js';

const kinds: readonly Kind[] = ['data', 'child', 'persistent', 'recursive'];
const paths = ['/a', '/a/b', '/a/b/c', '/d'];
const sessions: readonly SessionId[] = [1n, 2n, 3n];
const events = [
  EventType.nodeCreated,
  EventType.nodeDeleted,
  EventType.nodeDataChanged,
  EventType.nodeChildrenChanged,
];

type Step =
  | { op: 'add' | 'remove'; kind: Kind; session: SessionId; path: string }
  | { op: 'drop'; session: SessionId }
  | { op: 'fire'; type: EventType; path: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constantFrom('add' as const, 'remove' as const),
    kind: fc.constantFrom(...kinds),
    session: fc.constantFrom(...sessions),
    path: fc.constantFrom(...paths),
  }),
  fc.record({ op: fc.constant('drop' as const), session: fc.constantFrom(...sessions) }),
  fc.record({
    op: fc.constant('fire' as const),
    type: fc.constantFrom(...events),
    path: fc.constantFrom(...paths),
  }),
);

/** The model: for each kind, path → its watchers in the order they came. */
type Model = Record<Kind, Map<string, SessionId[]>>;

function fire(model: Model, type: EventType, path: string): SessionId[] {
  const notified: SessionId[] = [];
  const note = (ids: readonly SessionId[] | undefined) => {
    for (const id of ids ?? []) if (!notified.includes(id)) notified.push(id);
  };
  const consume = (kind: Kind) => {
    note(model[kind].get(path));
    model[kind].delete(path);
  };
  if (type === EventType.nodeChildrenChanged) {
    consume('child');
    note(model.persistent.get(path));
  } else {
    consume('data');
    note(model.persistent.get(path));
    for (let p = path; p !== ''; p = parentOf(p)) note(model.recursive.get(p));
    if (type === EventType.nodeDeleted) consume('child');
  }
  return notified;
}

describe('WatchManager against a model', () => {
  it('holds, fires and lists the same watches after any steps', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const watches = new WatchManager(1000, 1 << 20);
        const model: Model = {
          data: new Map(),
          child: new Map(),
          persistent: new Map(),
          recursive: new Map(),
        };
        for (const s of steps) {
          if (s.op === 'add') {
            assert.ok(watches.add(s.kind, s.session, s.path));
            const ids = model[s.kind].get(s.path) ?? [];
            if (!ids.includes(s.session)) model[s.kind].set(s.path, [...ids, s.session]);
          } else if (s.op === 'remove') {
            const ids = model[s.kind].get(s.path) ?? [];
            assert.equal(watches.remove(s.kind, s.session, s.path), ids.includes(s.session));
            const left = ids.filter((id) => id !== s.session);
            if (left.length > 0) model[s.kind].set(s.path, left);
            else model[s.kind].delete(s.path);
          } else if (s.op === 'drop') {
            watches.removeSession(s.session);
            for (const kind of kinds) {
              for (const [path, ids] of model[kind]) {
                const left = ids.filter((id) => id !== s.session);
                if (left.length > 0) model[kind].set(path, left);
                else model[kind].delete(path);
              }
            }
          } else if (s.op === 'fire') {
            const notified = watches.trigger({ type: s.type, path: s.path, acl: [] }, () => true);
            assert.deepEqual(
              [...notified.map((n) => n.sessionId)].sort(),
              fire(model, s.type, s.path).sort(),
              `${s.type} ${s.path}`,
            );
          }
          let count = 0;
          for (const kind of kinds) {
            for (const path of paths) {
              const ids = model[kind].get(path) ?? [];
              count += ids.length;
              for (const id of sessions)
                assert.equal(watches.has(kind, id, path), ids.includes(id));
            }
          }
          assert.equal(watches.watchCount, count);
          for (const path of paths) {
            const expected = sessions.filter((id) =>
              kinds.some((kind) => model[kind].get(path)?.includes(id)),
            );
            assert.deepEqual([...watches.watchersOf(path)].sort(), expected, path);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
