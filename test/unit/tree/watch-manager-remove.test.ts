/**
 * WatchManager.removeSession (tree/watch-manager.ts) takes a session's watches out of every
 * table in one pass: counts and bytes go back to what the other sessions hold, their watches
 * still fire, and the dropped session's do not.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventType } from '../../../src/protocol/opcodes.js';
import { WatchManager, type Kind } from '../../../src/tree/watch-manager.js';

const kinds: readonly Kind[] = ['data', 'child', 'persistent', 'recursive'];

describe('WatchManager.removeSession', () => {
  it('removes one session from every table and leaves the others whole', () => {
    const watches = new WatchManager(1_000_000, 1 << 30);
    const paths = Array.from({ length: 50 }, (_, i) => `/p${i % 10}/c${i}`);
    for (const id of [1n, 2n, 3n]) {
      paths.forEach((path, i) => assert.ok(watches.add(kinds[i % 4] as Kind, id, path)));
    }
    const alone = { count: watches.watchCount / 3, bytes: watches.watchBytes / 3 };
    watches.removeSession(2n);
    assert.equal(watches.watchCount, 2 * alone.count);
    assert.equal(watches.watchBytes, 2 * alone.bytes);
    paths.forEach((path, i) => {
      const kind = kinds[i % 4] as Kind;
      assert.equal(watches.has(kind, 2n, path), false);
      assert.equal(watches.has(kind, 1n, path), true);
    });
    const event = { type: EventType.nodeDataChanged, path: paths[0] as string, acl: [] };
    const notified = watches.trigger(event, () => true).map((n) => n.sessionId);
    assert.deepEqual(notified, [1n, 3n]);
    watches.removeSession(1n);
    watches.removeSession(3n);
    watches.removeSession(3n);
    assert.equal(watches.watchCount, 0);
    assert.equal(watches.watchBytes, 0);
    assert.deepEqual([...watches.watchedPaths()], []);
  });
});
